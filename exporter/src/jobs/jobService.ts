/**
 * Brings the job side up next to the metrics side without making one depend
 * on the other: a state database that is down at start-up must not stop the
 * exporter from serving metrics (which is when they matter most). The
 * service connects and migrates in the background, retrying, and the API
 * answers 503 with the reason until it is ready.
 */
import type { AnyAction } from '../actions/types.js';
import { errorMessage, type Logger } from '../log.js';
import type { SampleSet } from '../metrics/family.js';
import type { ScheduledCollectors } from '../scheduler/scheduledCollectors.js';
import { StateDatabase } from '../state/stateDatabase.js';
import type { TargetSet } from '../targets/index.js';
import { JobRunner } from './jobRunner.js';
import type { JobSilencer } from './silences.js';

const RETRY_MS = 10_000;

export type JobServiceStatus =
  | { state: 'not_configured' }
  | { state: 'starting' }
  | { state: 'ready' }
  | { state: 'unavailable'; error: string }
  | { state: 'stopping' };

export interface JobServiceOptions {
  stateDsn: string | undefined;
  actions: readonly AnyAction[];
  targets: TargetSet;
  scheduled: ScheduledCollectors | undefined;
  silencer?: JobSilencer | undefined;
  log: Logger;
}

export class JobService {
  private runnerReady: JobRunner | undefined;
  private db: StateDatabase | undefined;
  private current: JobServiceStatus;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly readyWaiters: ((runner: JobRunner | undefined) => void)[] = [];

  constructor(private readonly options: JobServiceOptions) {
    this.current = options.stateDsn === undefined ? { state: 'not_configured' } : { state: 'starting' };
  }

  get status(): JobServiceStatus {
    return this.current;
  }

  /** The runner once the state database is migrated and reachable; undefined before. */
  get runner(): JobRunner | undefined {
    return this.runnerReady;
  }

  /** Starts connecting; resolves after the first attempt, whatever its outcome. */
  async start(): Promise<void> {
    if (this.options.stateDsn === undefined) return;
    this.db = new StateDatabase(this.options.stateDsn, this.options.log);
    await this.attempt();
  }

  /** Resolves with the runner when ready, or undefined if the service stops or has no state database. */
  ready(): Promise<JobRunner | undefined> {
    if (this.runnerReady || this.current.state === 'not_configured' || this.stopped) return Promise.resolve(this.runnerReady);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private async attempt(): Promise<void> {
    const db = this.db;
    if (!db || this.stopped) return;
    let runner: JobRunner | undefined;
    try {
      const applied = await db.migrate();
      if (applied.length > 0) this.options.log.info('state.migrated', { versions: applied });
      runner = new JobRunner({ ...this.options, db });
      await runner.start();
      if (this.stopped) {
        await runner.stop();
        return;
      }
      this.runnerReady = runner;
      if (this.current.state === 'unavailable') this.options.log.info('state.recovered');
      this.current = { state: 'ready' };
      for (const resolve of this.readyWaiters.splice(0)) resolve(runner);
    } catch (err) {
      // A runner that half started holds a presence connection: let it go before the retry makes another.
      await runner?.stop().catch(() => undefined);
      const error = errorMessage(err);
      if (this.current.state !== 'unavailable' || this.current.error !== error) this.options.log.error('state.unavailable', { error: err, retryInSeconds: RETRY_MS / 1000 });
      this.current = { state: 'unavailable', error };
      this.retry = setTimeout(() => void this.attempt(), RETRY_MS);
      this.retry.unref();
    }
  }

  emitInto(out: SampleSet): void {
    this.runnerReady?.emitInto(out);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    for (const resolve of this.readyWaiters.splice(0)) resolve(undefined);
    // From here the API answers 503, not errors from a pool being closed.
    const runner = this.runnerReady;
    this.runnerReady = undefined;
    if (this.current.state !== 'not_configured') this.current = { state: 'stopping' };
    await runner?.stop();
    await this.db?.close();
  }
}
