/**
 * Expensive collectors (bloat estimates, backup repository listings, TLS
 * probes) run off the scrape path: once at start-up, then on a node-cron
 * schedule, each run under a hard timeout. Scrapes serve the last good
 * result, say so in HELP, and export when it was taken.
 */
import { setMaxListeners } from 'node:events';
import cron, { type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { MetricFamily, SampleSet } from '../metrics/family.js';
import type { TargetSet } from '../targets/index.js';
import { FailureLog, emitCollectorHealth, pairsFor, type CollectorTargetPair } from '../collectors/runCollector.js';
import type { Collector } from '../collectors/types.js';
import { withTimeout } from '../timeout.js';

const STOP_WAIT_MS = 3000;

interface PairState {
  pair: CollectorTargetPair;
  schedule: string;
  timeoutMs: number;
  /** Samples of the last successful run: kept through later failures. */
  lastGood: SampleSet | undefined;
  lastOk: boolean | undefined;
  lastDurationSeconds: number;
  lastSuccess: number;
  running: Promise<void> | undefined;
  /** A run queued behind the one under way, for refreshes that need data from after now. */
  queued: Promise<void> | undefined;
}

export class ScheduledCollectors {
  private readonly states: PairState[] = [];
  private readonly tasks: ScheduledTask[] = [];
  private readonly cachedFamilies = new WeakMap<MetricFamily, MetricFamily>();
  private readonly failures: FailureLog;
  private stopped = false;
  /** Aborts the runs under way when the exporter stops (child processes killed, no new queries). */
  private readonly stopping = new AbortController();

  constructor(
    collectors: readonly Collector[],
    targets: TargetSet,
    settings: Config['collectors'],
    private readonly log: Logger,
  ) {
    this.failures = new FailureLog(log);
    // Every run under way listens to it: more than Node's default of 10 is normal, not a leak.
    setMaxListeners(0, this.stopping.signal);
    for (const collector of collectors) {
      if (collector.mode !== 'scheduled') continue;
      const schedule = settings[collector.name]?.schedule ?? collector.defaultSchedule;
      const timeoutMs = (settings[collector.name]?.timeoutSeconds ?? collector.defaultTimeoutSeconds) * 1000;
      // Configured schedules are validated with the file; this catches a bad default before anything listens.
      if (!cron.validate(schedule)) throw new Error(`collector ${collector.name}: invalid schedule "${schedule}"`);
      for (const pair of pairsFor(collector, targets)) {
        this.states.push({
          pair,
          schedule,
          timeoutMs,
          lastGood: undefined,
          lastOk: undefined,
          lastDurationSeconds: 0,
          lastSuccess: 0,
          running: undefined,
          queued: undefined,
        });
      }
    }
  }

  /**
   * Runs every scheduled collector once and installs the cron tasks.
   * Resolves when the first runs have finished (successfully or not).
   */
  start(): Promise<void> {
    // One cron task per collector runs it for all its targets.
    const byCollector = new Map<string, PairState[]>();
    for (const state of this.states) {
      const name = state.pair.collector.name;
      const group = byCollector.get(name) ?? [];
      group.push(state);
      byCollector.set(name, group);
    }
    for (const group of byCollector.values()) {
      const first = group[0]!;
      const task = cron.schedule(
        first.schedule,
        () => Promise.all(group.map((s) => this.runOnce(s))),
        { name: `collector:${first.pair.collector.name}`, noOverlap: true, logger: cronLogger(this.log) },
      );
      this.tasks.push(task);
    }
    return Promise.all(this.states.map((s) => this.runOnce(s))).then(() => undefined);
  }

  /**
   * Refreshes a collector (all its targets, or one) with a run that starts
   * now or, if one is under way, right after it: a maintenance job that just
   * finished must see data from after it, not a run that began before.
   */
  refresh(collectorName: string, targetName?: string): Promise<void> {
    const matching = this.states.filter(
      (s) => s.pair.collector.name === collectorName && (targetName === undefined || s.pair.target.name === targetName),
    );
    return Promise.all(matching.map((s) => this.runFresh(s))).then(() => undefined);
  }

  /** Adds the cached results and their health series to a scrape. */
  emitInto(out: SampleSet): void {
    for (const state of this.states) {
      // Before the first run finishes there is nothing true to say yet.
      if (state.lastOk === undefined) continue;
      if (state.lastGood) out.addAll(state.lastGood, (f) => this.cachedFamily(f));
      emitCollectorHealth(out, state.pair.collector.name, state.pair.target.name, {
        ok: state.lastOk,
        durationSeconds: state.lastDurationSeconds,
        lastSuccess: state.lastSuccess,
      });
    }
  }

  /**
   * Removes the cron tasks and aborts the runs under way, then waits (at
   * most STOP_WAIT_MS) for them to end, so that nothing they started — a
   * pgbackrest process, a connection to another database — outlives the
   * exporter or runs after the targets closed.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const task of this.tasks) await Promise.resolve(task.destroy());
    this.tasks.length = 0;
    this.stopping.abort(new Error('the exporter is stopping'));
    const running = this.states.flatMap((s) => (s.running ? [s.running] : []));
    await withTimeout(Promise.allSettled(running), STOP_WAIT_MS).catch(() =>
      this.log.warn('scheduler.stop_slow', { message: `scheduled runs still under way after ${STOP_WAIT_MS} ms; stopping anyway` }),
    );
  }

  /** Starts a run, or joins the one under way (cron ticks and start-up). */
  private runOnce(state: PairState): Promise<void> {
    if (this.stopped) return Promise.resolve();
    state.running ??= this.execute(state).finally(() => {
      state.running = undefined;
    });
    return state.running;
  }

  /** A run that starts no earlier than now; refreshes asked for meanwhile share it. */
  private runFresh(state: PairState): Promise<void> {
    if (!state.running) return this.runOnce(state);
    state.queued ??= state.running.then(() => {
      state.queued = undefined;
      return this.runOnce(state);
    });
    return state.queued;
  }

  private async execute(state: PairState): Promise<void> {
    const { collector, target } = state.pair;
    const log = this.log.child({ collector: collector.name, target: target.name });
    const run = await state.pair.run(state.timeoutMs, log, this.stopping.signal);
    // Shutting down: the pools close under a run in progress; its failure means nothing.
    if (this.stopped) return;
    state.lastOk = run.ok;
    state.lastDurationSeconds = run.durationSeconds;
    if (run.ok) {
      state.lastGood = run.samples;
      state.lastSuccess = run.finishedAt;
      log.debug('collector.refreshed', { durationSeconds: run.durationSeconds, series: run.samples.seriesCount });
    }
    this.failures.record(collector.name, target.name, run.ok ? undefined : run.error);
  }

  /** The family with HELP saying the values are cached and how they are refreshed. */
  /**
   * The family with HELP saying the values are cached and how they are
   * refreshed. A family several scheduled collectors share (the certificate
   * series) has one HELP in the exposition, so it names all of them.
   */
  private cachedFamily(family: MetricFamily): MetricFamily {
    let cached = this.cachedFamilies.get(family);
    if (!cached) {
      const refreshers = new Map<string, string>();
      for (const { pair, schedule } of this.states) {
        if (pair.collector.families.some((f) => f.name === family.name)) refreshers.set(pair.collector.name, schedule);
      }
      const how = [...refreshers].map(([name, schedule]) => `the ${name} collector on schedule "${schedule}"`).join(' and ');
      cached = { ...family, help: `${family.help} Cached: refreshed by ${how}; see upkeep_collector_last_success_timestamp_seconds.` };
      this.cachedFamilies.set(family, cached);
    }
    return cached;
  }
}

/** node-cron's own messages (missed runs, overlaps) as structured log lines. */
export function cronLogger(log: Logger): CronLogger {
  return {
    debug: (message) => log.debug('cron.message', { message: String(message) }),
    info: (message) => log.debug('cron.message', { message }),
    warn: (message) => log.warn('cron.message', { message }),
    error: (message) => log.error('cron.message', { message: String(message) }),
  };
}
