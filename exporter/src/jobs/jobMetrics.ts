/**
 * The job series on /metrics. Run counts and durations are this process's
 * (counters, as Prometheus expects per instance); last-success timestamps
 * come from the state database, so they survive restarts and every replica
 * reports the same.
 */
import { counter, gauge, histogram, type HistogramValue, type SampleSet } from '../metrics/family.js';
import { FINISHED_STATUSES } from './jobRecord.js';

export const jobRuns = counter('upkeep_job_runs_total', 'Maintenance jobs this exporter process finished, by action and result (succeeded, failed, cancelled, interrupted); dry runs included.', ['action', 'result']);
export const jobLastSuccess = gauge(
  'upkeep_job_last_success_timestamp_seconds',
  'Unix time the last real (not dry-run) job of the action on the target succeeded, from the state database: any replica, any restart.',
  ['action', 'target'],
);
export const jobDuration = histogram('upkeep_job_duration_seconds', 'How long maintenance jobs this exporter process ran took, in seconds, by action.', ['action']);
export const jobsRunning = gauge('upkeep_jobs_running', 'Maintenance jobs running in this exporter process now.', []);

/** From a one-second cancel to a long nightly backup. */
const DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 10_800, 43_200];

interface DurationState {
  counts: number[];
  sum: number;
  count: number;
}

export class JobMetrics {
  private readonly runs = new Map<string, number>();
  /**
   * Every action's run counters start at 0, one per result: Prometheus'
   * increase() takes a new series' first sample as its baseline, so a
   * counter born at 1 would hide the first failure after every restart from
   * an alert such as increase(upkeep_job_runs_total{result="failed"}[1h]) > 0.
   */
  constructor(actionNames: readonly string[] = []) {
    for (const action of actionNames) for (const result of FINISHED_STATUSES) this.runs.set(`${action}\u0000${result}`, 0);
  }

  private readonly durations = new Map<string, DurationState>();
  private lastSuccess = new Map<string, { action: string; target: string; at: number }>();
  running = 0;

  recordFinished(action: string, result: string, durationSeconds: number): void {
    const key = `${action}\u0000${result}`;
    this.runs.set(key, (this.runs.get(key) ?? 0) + 1);
    let state = this.durations.get(action);
    if (!state) {
      state = { counts: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(action, state);
    }
    DURATION_BUCKETS.forEach((bound, i) => {
      if (durationSeconds <= bound) state.counts[i] = (state.counts[i] ?? 0) + 1;
    });
    state.sum += durationSeconds;
    state.count += 1;
  }

  recordSuccess(action: string, target: string, at: Date): void {
    const key = `${action}\u0000${target}`;
    const seconds = at.getTime() / 1000;
    if ((this.lastSuccess.get(key)?.at ?? 0) < seconds) this.lastSuccess.set(key, { action, target, at: seconds });
  }

  /** Replaces the last-success table with the state database's (which includes other replicas' runs). */
  loadSuccesses(rows: readonly { action: string; target: string; finishedAt: Date }[]): void {
    const next = new Map<string, { action: string; target: string; at: number }>();
    for (const r of rows) next.set(`${r.action}\u0000${r.target}`, { action: r.action, target: r.target, at: r.finishedAt.getTime() / 1000 });
    // A success recorded here after the query started must not be lost.
    for (const [key, value] of this.lastSuccess) if ((next.get(key)?.at ?? 0) < value.at) next.set(key, value);
    this.lastSuccess = next;
  }

  emitInto(out: SampleSet): void {
    for (const [key, count] of this.runs) {
      const [action = '', result = ''] = key.split('\u0000');
      out.add(jobRuns, { action, result }, count);
    }
    for (const { action, target, at } of this.lastSuccess.values()) out.add(jobLastSuccess, { action, target }, at);
    for (const [action, state] of this.durations) {
      const value: HistogramValue = { buckets: DURATION_BUCKETS.map((b, i) => [b, state.counts[i] ?? 0] as const), sum: state.sum, count: state.count };
      out.addHistogram(jobDuration, { action }, value);
    }
    out.add(jobsRunning, {}, this.running);
  }
}
