/**
 * The collector contract. A collector reads one kind of target and emits
 * samples; the framework runs it per target, times it, bounds it, and turns
 * any failure into `upkeep_collector_success 0` without touching the rest.
 *
 * Live collectors run on every scrape and must be cheap (a fixed number of
 * catalog queries). Scheduled collectors are expensive; they run on a cron
 * schedule with a hard timeout and the scrape serves their last result.
 */
import type { Logger } from '../log.js';
import type { Labels, MetricFamily } from '../metrics/family.js';
import type { TargetKind, TargetsByKind } from '../targets/index.js';

/** Emits one sample; the framework fills in the `target` label. */
export type Emit = <L extends string>(family: MetricFamily<L>, labels: Omit<Labels<L>, 'target'>, value: number) => void;

export interface CollectContext<T> {
  target: T;
  emit: Emit;
  /** Aborted when the collector's time budget runs out: stop work, kill child processes. */
  signal: AbortSignal;
  log: Logger;
}

interface CollectorBase<K extends TargetKind> {
  /** The `collector` label: short, stable, snake_case (`pg_database`). */
  name: string;
  description: string;
  targetKind: K;
  /** Every family the collector can emit: for the docs and the metric contract tests. */
  families: readonly MetricFamily[];
  collect(ctx: CollectContext<TargetsByKind[K]>): Promise<void>;
}

export interface LiveCollector<K extends TargetKind = TargetKind> extends CollectorBase<K> {
  mode: 'live';
  /**
   * Optional: what the collector reports when it has no samples this scrape
   * (its target did not answer the probe, or its run failed or timed out),
   * for series whose contract is "0 when down" rather than absent
   * (`upkeep_redis_up`). The framework adds the `target` label as usual.
   */
  emitUnavailable?(emit: Emit): void;
}

export interface ScheduledCollector<K extends TargetKind = TargetKind> extends CollectorBase<K> {
  mode: 'scheduled';
  /** node-cron expression; `collectors.<name>.schedule` overrides it. */
  defaultSchedule: string;
  /** Hard limit of one run; `collectors.<name>.timeoutSeconds` overrides it. */
  defaultTimeoutSeconds: number;
}

/** Any collector, with its target kind kept precise (a union over the kinds). */
export type Collector = { [K in TargetKind]: LiveCollector<K> | ScheduledCollector<K> }[TargetKind];

/** Identity helpers that let TypeScript infer the target type inside `collect`. */
export const liveCollector = <K extends TargetKind>(c: LiveCollector<K>): LiveCollector<K> => c;
export const scheduledCollector = <K extends TargetKind>(c: ScheduledCollector<K>): ScheduledCollector<K> => c;
