/**
 * Runs one collector against one target: timed, bounded by a deadline, and
 * isolated — a throw or a timeout becomes a failed run, never a failed scrape.
 */
import { performance } from 'node:perf_hooks';
import { errorMessage, type Logger } from '../log.js';
import { SampleSet, type Labels, type MetricFamily } from '../metrics/family.js';
import { collectorDuration, collectorLastSuccess, collectorSuccess } from '../metrics/exporterFamilies.js';
import type { TargetKind, TargetSet, TargetsByKind } from '../targets/index.js';
import { TimeoutError, withTimeout } from '../timeout.js';
import type { Collector, Emit, LiveCollector, ScheduledCollector } from './types.js';

export interface CollectorRun {
  /** Samples of a successful run; empty after a failure (partial output is dropped). */
  samples: SampleSet;
  ok: boolean;
  durationSeconds: number;
  /** Unix time in seconds at which the run ended. */
  finishedAt: number;
  error?: unknown;
}

/**
 * `stop`: aborts the run from outside (the exporter shutting down), like a
 * timeout does: the collector's signal fires and the run ends at once.
 */
export async function runCollector<K extends TargetKind>(
  collector: LiveCollector<K> | ScheduledCollector<K>,
  target: TargetsByKind[K],
  timeoutMs: number,
  log: Logger,
  stop?: AbortSignal,
): Promise<CollectorRun> {
  const samples = new SampleSet();
  const controller = new AbortController();
  const onStop = () => controller.abort(stop?.reason);
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  // Rejects when the run is aborted (timeout or stop), so a collector that
  // ignores its signal cannot keep the caller waiting.
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => {
      const reason: unknown = controller.signal.reason;
      reject(reason instanceof Error ? reason : new Error('collector run aborted'));
    };
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  const emit: Emit = <L extends string>(family: MetricFamily<L>, labels: Omit<Labels<L>, 'target'>, value: number) => {
    if (!controller.signal.aborted) samples.add(family, { target: target.name, ...labels } as Labels<L>, value);
  };
  const started = performance.now();
  try {
    const work = collector.collect({ target, emit, signal: controller.signal, log });
    await withTimeout(Promise.race([work, aborted]), timeoutMs, (error) => controller.abort(error));
    return { samples, ok: true, durationSeconds: (performance.now() - started) / 1000, finishedAt: Date.now() / 1000 };
  } catch (error) {
    controller.abort(error);
    return { samples: new SampleSet(), ok: false, error, durationSeconds: (performance.now() - started) / 1000, finishedAt: Date.now() / 1000 };
  } finally {
    stop?.removeEventListener('abort', onStop);
  }
}

/** A collector paired with each target of its kind. */
export interface CollectorTargetPair {
  collector: Collector;
  target: TargetsByKind[TargetKind];
  run(timeoutMs: number, log: Logger, stop?: AbortSignal): Promise<CollectorRun>;
}

export function pairsFor(collector: Collector, targets: TargetSet): CollectorTargetPair[] {
  return targets.ofKind(collector.targetKind).map((target) => ({
    collector,
    target,
    // ofKind(collector.targetKind) returns exactly the target type the collector reads;
    // TypeScript cannot correlate the two through the union, hence the cast.
    run: (timeoutMs, log, stop) => runCollector(collector as LiveCollector<typeof collector.targetKind>, target as never, timeoutMs, log, stop),
  }));
}

/** The three health series every collector × target pair exports on every scrape. */
export function emitCollectorHealth(
  out: SampleSet,
  collector: string,
  target: string,
  health: { ok: boolean; durationSeconds: number; lastSuccess: number },
): void {
  const labels = { collector, target };
  out.add(collectorSuccess, labels, health.ok ? 1 : 0);
  out.add(collectorDuration, labels, health.durationSeconds);
  out.add(collectorLastSuccess, labels, health.lastSuccess);
}

/** Logs a collector's failures when they start, change or end — not on every scrape. */
export class FailureLog {
  private readonly last = new Map<string, string | undefined>();

  constructor(private readonly log: Logger) {}

  record(collector: string, target: string, error: unknown): void {
    const key = `${collector}\u0000${target}`;
    const message = error === undefined ? undefined : errorMessage(error);
    const previous = this.last.get(key);
    this.last.set(key, message);
    if (message === previous) {
      if (message !== undefined) this.log.debug('collector.still_failing', { collector, target, error: message });
      return;
    }
    if (message === undefined) this.log.info('collector.recovered', { collector, target });
    else this.log.warn('collector.failed', { collector, target, error: message, timeout: error instanceof TimeoutError });
  }
}
