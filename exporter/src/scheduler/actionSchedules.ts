/**
 * Scheduled maintenance: each configured schedule submits its action to the
 * job runner on its cron, exactly like a request from the API would (same
 * checks, scope locks, audit), as the admin caller `schedule:<name>`.
 *
 * Every replica runs the same cron tasks. At each tick the replicas race to
 * claim the tick in the state database (scheduleStore.ts); the one that wins
 * submits, the others stay quiet. A tick outside the schedule's maintenance
 * window is claimed too, so that exactly one replica records and audits the
 * skip. What became of each tick — the job and its outcome, or why none
 * ran — is kept in `upkeep.schedule_runs`.
 *
 * Nothing here throws out of a cron callback: a state database that is down,
 * a refused submit or a failed job is logged and the next tick tries again.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { AnyAction, Json } from '../actions/types.js';
import type { Config } from '../config/types.js';
import { ApiError } from '../http/errors.js';
import type { Caller, JobRecord } from '../jobs/jobRecord.js';
import type { JobRunner } from '../jobs/jobRunner.js';
import type { JobService } from '../jobs/jobService.js';
import { ScheduleStore, type TickOutcome } from '../jobs/scheduleStore.js';
import { errorMessage, type Logger } from '../log.js';
import type { SampleSet } from '../metrics/family.js';
import type { TargetSet } from '../targets/index.js';
import { withTimeout } from '../timeout.js';
import { describeWindow, isInsideWindow } from './maintenanceWindow.js';
import { cronLogger } from './scheduledCollectors.js';
import { scheduleProblem, windowProblem } from './scheduleChecks.js';
import { ScheduleMetrics } from './scheduleMetrics.js';

type ScheduleConfig = Config['schedules'][number];

/** Ticks under way (claim and submit, not the job) get this long to finish on stop. */
const STOP_WAIT_MS = 5000;
/** How late a tick may still run (see where it is used). */
const MISSED_TICK_TOLERANCE_MS = 60_000;
/** The metrics follow other replicas' runs at least this often. */
const METRICS_REFRESH_MS = 30_000;

export interface ActionSchedulesOptions {
  schedules: readonly ScheduleConfig[];
  actions: readonly AnyAction[];
  targets: TargetSet;
  jobs: Pick<JobService, 'runner' | 'ready' | 'status'>;
  log: Logger;
}

export class ActionSchedules {
  /** The schedules that passed the checks; the others were logged at construction and never run. */
  private readonly runnable: ScheduleConfig[] = [];
  private readonly tasks: ScheduledTask[] = [];
  private readonly ticks = new Set<Promise<void>>();
  private readonly metrics: ScheduleMetrics;
  private readonly log: Logger;
  private store: ScheduleStore | undefined;
  private storeRunner: JobRunner | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshQueued: Promise<void> | undefined;
  private refreshFailing = false;
  private stopped = false;

  constructor(private readonly options: ActionSchedulesOptions) {
    this.log = options.log;
    this.metrics = new ScheduleMetrics(options.schedules.map((s) => s.name));
    const kindOf = (name: string) => options.targets.all().find((t) => t.name === name)?.kind;
    for (const schedule of options.schedules) {
      const problem = scheduleProblem(schedule, options.actions, kindOf);
      if (problem) {
        this.log.error('schedule.invalid', { schedule: schedule.name, field: problem.field, error: problem.message, message: 'this schedule never runs; fix it in the configuration' });
        continue;
      }
      this.runnable.push(schedule);
      const closed = windowProblem(schedule);
      if (closed) this.log.warn('schedule.window_never_opens', { schedule: schedule.name, cron: schedule.cron, message: closed });
    }
  }

  /** Installs the cron tasks. Ticks before the state database is ready are logged and skipped. */
  start(): void {
    if (this.options.schedules.length === 0) return;
    if (this.options.jobs.status.state === 'not_configured') {
      this.log.error('schedule.no_state_database', { schedules: this.options.schedules.map((s) => s.name), message: 'schedules need the state database (state.dsn); none will run' });
      return;
    }
    for (const schedule of this.runnable) {
      const task = cron.schedule(schedule.cron, (context) => this.track(this.tick(schedule, context.date)), {
        name: `schedule:${schedule.name}`,
        ...(schedule.timezone !== undefined ? { timezone: schedule.timezone } : {}),
        logger: cronLogger(this.log),
        // node-cron skips a tick that fires more than 1 s late (a busy event
        // loop, a GC pause). A nightly backup must not vanish for that: run it
        // up to a minute late (never past the next tick); the claim in the state
        // database still keeps it to one run.
        missedExecutionTolerance: MISSED_TICK_TOLERANCE_MS,
      });
      this.tasks.push(task);
    }
    this.refreshTimer = setInterval(() => void this.refreshMetrics(), METRICS_REFRESH_MS);
    this.refreshTimer.unref();
    void this.options.jobs.ready().then((runner) => (runner ? this.refreshMetrics() : undefined));
    this.log.info('schedules.started', { schedules: this.runnable.map((s) => `${s.name} (${s.action} on ${s.target}, "${s.cron}")`) });
  }

  emitInto(out: SampleSet): void {
    this.metrics.emitInto(out);
  }

  /**
   * Reads the schedule timestamps from the state database. Joins a read
   * under way only if it has not started yet: a caller that just saw a job
   * finish must get values from after that.
   */
  refreshMetrics(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.loadMetrics().finally(() => {
        this.refreshing = undefined;
      });
      return this.refreshing;
    }
    this.refreshQueued ??= this.refreshing.then(() => {
      this.refreshQueued = undefined;
      return this.refreshMetrics();
    });
    return this.refreshQueued;
  }

  /** Removes the cron tasks and waits briefly for ticks being claimed or submitted. Running jobs belong to the job service. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const task of this.tasks) await Promise.resolve(task.destroy());
    this.tasks.length = 0;
    await withTimeout(Promise.allSettled([...this.ticks]), STOP_WAIT_MS).catch(() =>
      this.log.warn('schedule.stop_slow', { message: `schedule ticks still under way after ${STOP_WAIT_MS} ms; stopping anyway` }),
    );
  }

  private track(tick: Promise<void>): Promise<void> {
    this.ticks.add(tick);
    void tick.finally(() => this.ticks.delete(tick));
    return tick;
  }

  private async tick(schedule: ScheduleConfig, slot: Date): Promise<void> {
    if (this.stopped) return;
    const fireTime = truncateToResolution(slot, schedule.cron);
    const log = this.log.child({ schedule: schedule.name, fireTime: fireTime.toISOString() });
    const inside = schedule.window === undefined || isInsideWindow(fireTime, schedule.window);
    if (inside) this.metrics.recordTick(schedule.name, fireTime);
    const runner = this.options.jobs.runner;
    if (!runner) {
      log.warn('schedule.tick_skipped', { reason: 'state_unavailable', message: 'the state database is not ready, so this tick cannot be claimed; it is skipped' });
      return;
    }
    const store = this.storeFor(runner);
    try {
      const outside = schedule.window && !inside ? `outside the maintenance window ${describeWindow(schedule.window)}` : undefined;
      if (!(await store.claim(schedule.name, fireTime, runner.instanceId, outside ? 'skipped_window' : 'claimed', outside))) {
        log.debug('schedule.tick_taken', { message: 'another replica claimed this tick' });
        return;
      }
      if (outside) {
        log.info('schedule.skipped', { reason: 'window', detail: outside });
        await runner.audit(callerOf(schedule), {
          event: 'schedule.skipped',
          outcome: 'skipped',
          action: schedule.action,
          target: schedule.target,
          // Config params are parsed YAML: plain JSON.
          params: JSON.parse(JSON.stringify(schedule.params)) as Json,
          detail: `tick ${fireTime.toISOString()} ${outside}`,
        });
        return;
      }
      await this.submit(runner, store, schedule, fireTime, log);
    } catch (err) {
      log.warn('schedule.tick_failed', { error: err, message: 'the tick could not be claimed or recorded in the state database; the next tick tries again' });
    } finally {
      void this.refreshMetrics();
    }
  }

  private async submit(runner: JobRunner, store: ScheduleStore, schedule: ScheduleConfig, fireTime: Date, log: Logger): Promise<void> {
    let job: JobRecord;
    try {
      ({ job } = await runner.submit(
        {
          action: schedule.action,
          target: schedule.target,
          params: schedule.params,
          // Ties the job to its tick in the API (and would return the same job were the tick ever submitted twice).
          idempotencyKey: `schedule:${schedule.name}@${fireTime.toISOString()}`,
        },
        callerOf(schedule),
      ));
    } catch (err) {
      // The runner has audited a refusal already; here it is recorded against the tick.
      const refusal = refusalOf(err);
      await store.record(schedule.name, fireTime, refusal.outcome, undefined, refusal.detail);
      log.warn('schedule.submit_refused', { outcome: refusal.outcome, status: refusal.status, error: refusal.detail });
      return;
    }
    await store.record(schedule.name, fireTime, 'running', job.id, undefined);
    log.info('schedule.job_started', { job: job.id, action: schedule.action, target: schedule.target });
    // Not awaited: the tick is done once the job runs; jobs may take hours.
    void runner
      .waitFor(job.id)
      .then(async (finished) => {
        const status = finished?.status;
        if (status === undefined || status === 'queued' || status === 'running') return;
        await store.record(schedule.name, fireTime, status, job.id, finished?.error?.message);
      })
      .catch((err: unknown) => log.warn('schedule.record_failed', { job: job.id, error: err }))
      .finally(() => void this.refreshMetrics());
  }

  private storeFor(runner: JobRunner): ScheduleStore {
    if (!this.store || this.storeRunner !== runner) {
      this.store = new ScheduleStore(runner.db);
      this.storeRunner = runner;
    }
    return this.store;
  }

  private async loadMetrics(): Promise<void> {
    const runner = this.options.jobs.runner;
    if (!runner) return;
    try {
      this.metrics.load(await this.storeFor(runner).times(this.options.schedules.map((s) => s.name)));
      this.refreshFailing = false;
    } catch (err) {
      // The runner reports the state database being down; one line here says the schedule series are stale.
      if (!this.refreshFailing) this.log.warn('schedule.metrics_stale', { error: err, message: 'could not read schedule runs from the state database; serving the last values read' });
      this.refreshFailing = true;
    }
  }
}

function callerOf(schedule: ScheduleConfig): Caller {
  const who = `schedule:${schedule.name}`;
  return { actor: who, tokenName: undefined, role: 'admin', origin: who };
}

/**
 * The instant a tick stands for: its scheduled minute (second, for a
 * six-field expression). node-cron hands over the planned slot already;
 * truncating guards the claim key against any drift in it, so replicas
 * whose clocks differ by a moment still claim the same row.
 */
export function truncateToResolution(slot: Date, expression: string): Date {
  const withSeconds = expression.trim().split(/\s+/).length === 6;
  const unit = withSeconds ? 1000 : 60_000;
  return new Date(Math.floor(slot.getTime() / unit) * unit);
}

function refusalOf(err: unknown): { outcome: TickOutcome; status: number | undefined; detail: string } {
  if (err instanceof ApiError) {
    const outcome: TickOutcome = err.status === 409 ? 'conflict' : err.status === 503 ? 'unavailable' : 'rejected';
    return { outcome, status: err.status, detail: `${err.code}: ${err.message}` };
  }
  return { outcome: 'error', status: undefined, detail: errorMessage(err) };
}
