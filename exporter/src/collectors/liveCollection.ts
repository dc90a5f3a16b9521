/**
 * Scrape-time collection: probe every target, then run every live collector
 * against every reachable target, all concurrently, within the scrape budget.
 *
 * Scrapes that arrive while one with the same budget is in flight share its
 * result (an HA pair of Prometheus servers costs the databases one round of
 * queries, and a scrape storm cannot pile up connections).
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import { SampleSet, type Labels, type MetricFamily } from '../metrics/family.js';
import { targetUp } from '../metrics/exporterFamilies.js';
import { budgetBucket } from '../metrics/scrape.js';
import type { TargetSet } from '../targets/index.js';
import type { Target } from '../targets/target.js';
import { SharedInFlight } from '../sharedInFlight.js';
import { withTimeout } from '../timeout.js';
import { FailureLog, emitCollectorHealth, pairsFor, type CollectorTargetPair } from './runCollector.js';
import type { Collector } from './types.js';

export class TargetDownError extends Error {
  constructor(target: string) {
    super(`skipped: target ${target} did not answer the probe`);
    this.name = 'TargetDownError';
  }
}

export class LiveCollection {
  private readonly pairsByTarget = new Map<Target, CollectorTargetPair[]>();
  private readonly lastSuccess = new Map<CollectorTargetPair, number>();
  private readonly inFlight = new SharedInFlight<number, SampleSet>();
  private readonly targetWasUp = new Map<Target, boolean>();
  private readonly failures: FailureLog;

  constructor(
    collectors: readonly Collector[],
    private readonly targets: TargetSet,
    private readonly log: Logger,
  ) {
    this.failures = new FailureLog(log);
    for (const target of targets.all()) this.pairsByTarget.set(target, []);
    for (const collector of collectors) {
      if (collector.mode !== 'live') continue;
      for (const pair of pairsFor(collector, targets)) this.pairsByTarget.get(pair.target)?.push(pair);
    }
  }

  /** Samples of one scrape; `budgetMs` is how long the scrape may take in all. */
  collect(budgetMs: number): Promise<SampleSet> {
    return this.inFlight.run(budgetBucket(budgetMs), () => this.run(budgetMs));
  }

  private async run(budgetMs: number): Promise<SampleSet> {
    const deadline = performance.now() + budgetMs;
    // Each target into its own set, merged in configuration order: the
    // exposition reads the same on every scrape, whichever target answers first.
    const perTarget = await Promise.all(this.targets.all().map((target) => this.collectTarget(target, deadline)));
    const out = new SampleSet();
    for (const samples of perTarget) out.addAll(samples);
    return out;
  }

  private async collectTarget(target: Target, deadline: number): Promise<SampleSet> {
    const out = new SampleSet();
    // A target without a probe (a file, a path) is no server that could be down.
    const up = target.probe ? await this.probe(target, target.probe.bind(target), deadline) : true;
    if (target.probe) out.add(targetUp, { kind: target.kind, target: target.name }, up ? 1 : 0);
    if (up) target.emitInfo(out);

    const pairs = this.pairsByTarget.get(target) ?? [];
    const runs = await Promise.all(
      pairs.map(async (pair) => {
        if (!up) return { pair, ok: false, durationSeconds: 0, error: new TargetDownError(target.name), samples: undefined };
        const run = await pair.run(deadline - performance.now(), this.log.child({ collector: pair.collector.name, target: target.name }));
        return { pair, ...run };
      }),
    );
    for (const { pair, ok, durationSeconds, error, samples } of runs) {
      if (ok) this.lastSuccess.set(pair, Date.now() / 1000);
      if (samples) out.addAll(samples);
      if (!ok && pair.collector.mode === 'live' && pair.collector.emitUnavailable) {
        pair.collector.emitUnavailable(<L extends string>(family: MetricFamily<L>, labels: Omit<Labels<L>, 'target'>, value: number) => {
          out.add(family, { target: target.name, ...labels } as Labels<L>, value);
        });
      }
      emitCollectorHealth(out, pair.collector.name, target.name, { ok, durationSeconds, lastSuccess: this.lastSuccess.get(pair) ?? 0 });
      // A down target is logged once by the probe; its skipped collectors need no line each.
      if (!(error instanceof TargetDownError)) this.failures.record(pair.collector.name, target.name, ok ? undefined : error);
    }
    return out;
  }

  private async probe(target: Target, probe: () => Promise<void>, deadline: number): Promise<boolean> {
    try {
      await withTimeout(probe(), deadline - performance.now());
      this.noteTargetState(target, true);
      return true;
    } catch (err) {
      this.noteTargetState(target, false, err);
      return false;
    }
  }

  private noteTargetState(target: Target, up: boolean, error?: unknown): void {
    const was = this.targetWasUp.get(target);
    this.targetWasUp.set(target, up);
    if (was === up) return;
    const fields = { kind: target.kind, target: target.name, ...target.describe() };
    if (up) this.log.info('target.up', fields);
    else this.log.warn('target.down', { ...fields, error });
  }
}
