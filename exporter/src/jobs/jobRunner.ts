/**
 * The one job runner: every maintenance run — from the API, the CLI or a
 * schedule — goes through `submit`, which checks the request in this order
 * and changes nothing until all checks pass:
 *
 *   action known → target known and of the right kind → role allows the
 *   action → params valid → dry-run supported → idempotency key →
 *   `prepare` (catalog lookups on the target) → scope lock free
 *
 * then records the job as running, audits it, answers, and runs the action
 * in the background: progress saved about once a second, cancellation
 * honoured (also when asked through another replica), the affected
 * scheduled collectors refreshed at the end so the next scrape shows the
 * effect, the outcome recorded and audited, the lock released.
 */
import { randomUUID } from 'node:crypto';
import { requiredRole, roleAllows, type AnyAction, type JobProgress, type Json } from '../actions/types.js';
import { ApiError } from '../http/errors.js';
import { errorMessage, type Logger } from '../log.js';
import type { SampleSet } from '../metrics/family.js';
import type { ScheduledCollectors } from '../scheduler/scheduledCollectors.js';
import type { StateDatabase } from '../state/stateDatabase.js';
import type { TargetSet } from '../targets/index.js';
import type { PostgresTarget } from '../targets/postgres.js';
import type { RedisTarget } from '../targets/redis.js';
import { withTimeout } from '../timeout.js';
import { issueLine, issueList } from '../validationIssues.js';
import { LOCK_SPACE, tryAdvisoryLock, type HeldLock } from './advisoryLocks.js';
import { prepareErrorAsApiError, stateErrorAsApiError } from './failureAnswers.js';
import { InstancePresence, STALE_SECONDS } from './instancePresence.js';
import { JobMetrics } from './jobMetrics.js';
import type { Caller, JobError, JobRecord, JobStatus } from './jobRecord.js';
import { JobStore } from './jobStore.js';
import type { JobSilencer } from './silences.js';

export interface JobRequest {
  action: string;
  target: string;
  params: unknown;
  dryRun?: boolean;
  idempotencyKey?: string;
}

export interface Submission {
  job: JobRecord;
  /** False when an idempotency key returned an existing job. */
  created: boolean;
}

/** How long `prepare` may take: catalog lookups and a file listing, not the work. */
const PREPARE_TIMEOUT_MS = 30_000;
const PROGRESS_SAVE_INTERVAL_MS = 1000;
/** How often dead replicas' jobs are looked for; a job is declared dead after STALE_SECONDS without a heartbeat. */
const SWEEP_INTERVAL_MS = 5000;
const SUCCESS_RELOAD_MS = 30_000;
/** How long a request that lost the scope to a twin with the same idempotency key waits for the twin's job to be recorded. */
const IDEMPOTENT_RACE_WAIT_MS = 2000;
/** An hour of one-second ticks. */
const MAX_RECORD_ATTEMPTS = 3600;
/** On shutdown, how long running jobs get to stop after being aborted. */
const STOP_WAIT_MS = 10_000;

interface RunningJob {
  record: JobRecord;
  controller: AbortController;
  /** The scope lock (none for a dry run); replaced if its connection dropped and it could be retaken. */
  lock: HeldLock | undefined;
  /** The phase last written to the state database. */
  savedPhase: string;
  /** Progress writes, in order: an immediate save never lands after a later one. */
  saving: Promise<void>;
  /** Set once the outcome is known: the lock checks leave it alone. */
  finished: boolean;
  /** Why it was aborted: decides `cancelled` vs `interrupted`. */
  abortedBecause: 'cancel' | 'shutdown' | undefined;
  progress: JobProgress;
  progressDirty: boolean;
  done: Promise<JobRecord>;
}

export interface JobRunnerOptions {
  actions: readonly AnyAction[];
  targets: TargetSet;
  db: StateDatabase;
  scheduled: ScheduledCollectors | undefined;
  log: Logger;
  silencer?: JobSilencer | undefined;
}

export class JobRunner {
  readonly instanceId = randomUUID();
  readonly store: JobStore;
  readonly metrics: JobMetrics;
  private readonly presence: InstancePresence;
  private readonly running = new Map<string, RunningJob>();
  private readonly actions: Map<string, AnyAction>;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** The tick under way: ticks never overlap, and stop() waits for it. */
  private ticking: Promise<void> | undefined;
  private readonly troubledSteps = new Set<string>();
  /** Since when this replica has reached the state database without a break; undefined while it cannot. */
  private reachableSince: number | undefined;
  private lastSweep = 0;
  private lastSuccessLoad = 0;
  /** Outcomes the state database did not take yet, retried every tick. */
  private readonly unrecorded = new Map<string, { attempts: number; record: () => Promise<unknown> }>();

  constructor(private readonly options: JobRunnerOptions) {
    this.metrics = new JobMetrics(options.actions.map((a) => a.name));
    this.store = new JobStore(options.db);
    this.presence = new InstancePresence(this.instanceId, options.db, this.store, options.log);
    this.actions = new Map(options.actions.map((a) => [a.name, a]));
  }

  /** Holds this replica's presence, marks dead replicas' jobs interrupted, starts the housekeeping loop. */
  async start(): Promise<void> {
    await this.presence.hold();
    this.reachableSince = Date.now();
    await this.housekeeping();
    this.timer = setInterval(() => void this.tick(), PROGRESS_SAVE_INTERVAL_MS);
    this.timer.unref();
  }

  /** The state database, for the other stores that live there (schedule ticks). */
  get db(): StateDatabase {
    return this.options.db;
  }

  action(name: string): AnyAction | undefined {
    return this.actions.get(name);
  }

  emitInto(out: SampleSet): void {
    this.metrics.running = this.running.size;
    this.metrics.emitInto(out);
  }

  async submit(request: JobRequest, caller: Caller): Promise<Submission> {
    const audit = (outcome: string, statusCode: number, detail: string) =>
      this.audit(caller, { event: 'job.requested', outcome, action: request.action, target: request.target, params: asJson(request.params), statusCode, detail });
    try {
      return await this.submitChecked(request, caller).catch((err: unknown) => {
        throw stateErrorAsApiError(err);
      });
    } catch (err) {
      if (err instanceof ApiError) {
        const outcome = err.status === 401 || err.status === 403 ? 'denied' : err.status === 409 ? 'conflict' : 'rejected';
        await audit(outcome, err.status, err.message).catch((auditError: unknown) => this.options.log.error('audit.write_failed', { error: auditError }));
      }
      throw err;
    }
  }

  private async submitChecked(request: JobRequest, caller: Caller): Promise<Submission> {
    if (this.stopping) throw new ApiError(503, 'shutting_down', 'the exporter is shutting down; submit the job again to another replica or after the restart');
    const action = this.actions.get(request.action);
    if (!action) {
      throw new ApiError(404, 'unknown_action', `no action named ${JSON.stringify(request.action)}; GET /api/v1/actions lists them`, { actions: [...this.actions.keys()] });
    }
    const target = this.findTarget(action, request.target);
    if (!roleAllows(caller.role, action.role)) {
      throw new ApiError(403, 'forbidden', `${action.name} needs the ${action.role} role; ${caller.actor} has ${caller.role}`);
    }
    const parsed = action.params.safeParse(request.params ?? {});
    if (!parsed.success) {
      throw new ApiError(422, 'invalid_params', `invalid params for ${action.name}: ${issueLine(parsed.error, '(params)')}`, { issues: issueList(parsed.error, '(params)') });
    }
    const params: unknown = parsed.data;
    const needed = requiredRole(action, params);
    if (!roleAllows(caller.role, needed.role)) {
      throw new ApiError(403, 'forbidden', `${action.name} (${needed.reason ?? 'with these params'}) needs the ${needed.role} role; ${caller.actor} has ${caller.role}`);
    }
    const dryRun = request.dryRun ?? false;
    if (dryRun && !action.supportsDryRun) throw new ApiError(422, 'dry_run_unsupported', `${action.name} has no dry run`);

    // Keys belong to their caller: one token cannot take over another's (or a schedule's) key.
    const namespace = caller.tokenName ?? caller.origin;
    const earlier = async (): Promise<Submission | undefined> => {
      if (request.idempotencyKey === undefined) return undefined;
      const existing = await this.store.byIdempotencyKey(namespace, request.idempotencyKey);
      return existing ? { job: this.sameRequestOrThrow(existing, request, params, dryRun), created: false } : undefined;
    };
    const replay = await earlier();
    if (replay) return replay;

    const controller = new AbortController();
    let prepared;
    try {
      prepared = await withTimeout(
        action.prepare({ target, params, dryRun, signal: controller.signal, log: this.options.log }),
        PREPARE_TIMEOUT_MS,
        () => controller.abort(new Error('prepare timed out')),
      );
    } catch (err) {
      throw prepareErrorAsApiError(err, target);
    }

    // A dry run changes nothing, so it neither takes nor waits for the scope.
    const lock = dryRun ? undefined : await tryAdvisoryLock(this.options.db, LOCK_SPACE.jobScope, `${target.name}/${prepared.scope}`);
    if (!dryRun && !lock) {
      // The same request sent twice at once: the first holds the scope and is
      // about to record its job; the second waits a moment for it, and gets it.
      if (request.idempotencyKey !== undefined) {
        const deadline = Date.now() + IDEMPOTENT_RACE_WAIT_MS;
        for (;;) {
          const raced = await earlier();
          if (raced) return raced;
          if (Date.now() >= deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      const holder = await this.store.runningInScope(target.name, prepared.scope);
      throw new ApiError(
        409,
        'job_conflict',
        holder
          ? `job ${holder.id} (${holder.action} by ${holder.actor}, started ${holder.startedAt ?? holder.createdAt}) is already running on ${target.name} ${prepared.scope}; wait for it or cancel it`
          : `another job is starting on ${target.name} ${prepared.scope}; try again in a moment`,
        holder ? { runningJob: { id: holder.id, action: holder.action, actor: holder.actor, status: holder.status, startedAt: holder.startedAt } } : undefined,
      );
    }

    const id = randomUUID();
    let record: JobRecord | undefined;
    try {
      record = await this.store.insertRunning({
        id,
        action: action.name,
        target: target.name,
        scope: prepared.scope,
        params: asJson(params),
        dryRun,
        actor: caller.actor,
        tokenName: caller.tokenName,
        origin: caller.origin,
        idempotencyKey: request.idempotencyKey,
        idempotencyNamespace: namespace,
        instanceId: this.instanceId,
      }, {
        actor: caller.actor,
        tokenName: caller.tokenName,
        origin: caller.origin,
        event: 'job.requested',
        outcome: 'accepted',
        action: action.name,
        target: target.name,
        params: asJson(request.params),
        statusCode: 202,
        detail: dryRun ? 'dry run' : `scope ${prepared.scope}`,
      });
    } catch (err) {
      await lock?.release();
      throw err;
    }
    if (!record) {
      // Another request with the same key won the race.
      await lock?.release();
      const existing = await earlier();
      if (!existing) throw new Error('job insert conflicted but no job holds the idempotency key');
      return existing;
    }
    this.launch(action, target, record, prepared.plan, controller, lock, caller);
    return { job: record, created: true };
  }

  private findTarget(action: AnyAction, name: string): PostgresTarget | RedisTarget {
    const all = [...this.options.targets.ofKind('postgres'), ...this.options.targets.ofKind('redis')];
    const target = all.find((t) => t.name === name);
    if (!target) {
      const others = this.options.targets.all().find((t) => t.name === name);
      if (others) throw new ApiError(422, 'wrong_target_kind', `${action.name} runs on ${action.targetKind} targets; ${name} is a ${others.kind} target`);
      throw new ApiError(404, 'unknown_target', `no target named ${JSON.stringify(name)}; GET /api/v1/targets lists them`);
    }
    if (target.kind !== action.targetKind) {
      throw new ApiError(422, 'wrong_target_kind', `${action.name} runs on ${action.targetKind} targets; ${name} is a ${target.kind} target`);
    }
    return target;
  }

  private sameRequestOrThrow(existing: JobRecord, request: JobRequest, params: unknown, dryRun: boolean): JobRecord {
    const same =
      existing.action === request.action &&
      existing.target === request.target &&
      existing.dryRun === dryRun &&
      JSON.stringify(existing.params) === JSON.stringify(canonical(asJson(params)));
    if (!same) {
      throw new ApiError(422, 'idempotency_key_reused', `idempotency key ${JSON.stringify(request.idempotencyKey)} was used for a different request (job ${existing.id}); use a new key`, {
        job: existing.id,
      });
    }
    return existing;
  }

  private launch(action: AnyAction, target: PostgresTarget | RedisTarget, record: JobRecord, plan: unknown, controller: AbortController, lock: HeldLock | undefined, caller: Caller): void {
    const job: RunningJob = {
      record,
      controller,
      lock,
      abortedBecause: undefined,
      progress: { phase: 'starting' },
      progressDirty: false,
      savedPhase: 'starting',
      saving: Promise.resolve(),
      finished: false,
      done: Promise.resolve(record),
    };
    this.running.set(record.id, job);
    job.done = this.execute(action, target, job, plan, caller).finally(() => this.running.delete(record.id));
  }

  /** Stores progress; a new phase at once (a backup's file name must be on record before the process can die), the rest on the next tick. */
  private reportProgress(job: RunningJob, progress: JobProgress): void {
    job.progress = progress;
    job.progressDirty = true;
    if (progress.phase === job.savedPhase) return;
    job.savedPhase = progress.phase;
    void this.saveProgress(job).catch(() => undefined);
  }

  /** Writes the job's latest progress after any write already under way; a failed write leaves it to be written again. */
  private saveProgress(job: RunningJob): Promise<void> {
    job.saving = job.saving.then(async () => {
      if (!job.progressDirty) return;
      job.progressDirty = false;
      try {
        await this.store.saveProgress(job.record.id, asJson(job.progress));
      } catch (err) {
        job.progressDirty = true;
        throw err;
      }
    });
    const written = job.saving;
    job.saving = written.catch(() => undefined);
    return written;
  }

  private async execute(action: AnyAction, target: PostgresTarget | RedisTarget, job: RunningJob, plan: unknown, caller: Caller): Promise<JobRecord> {
    const { record, controller } = job;
    const log = this.options.log.child({ job: record.id, action: record.action, target: record.target });
    const started = performance.now();
    let silenceId: string | undefined;
    let status: JobStatus;
    let result: Json = null;
    let error: JobError | null = null;
    try {
      if (!record.dryRun && this.options.silencer) {
        silenceId = await this.options.silencer.silence(record).catch((err: unknown) => {
          log.warn('jobs.silence_failed', { error: err });
          return undefined;
        });
      }
      log.info('job.started', { actor: record.actor, dryRun: record.dryRun });
      result = await action.run({
        target,
        plan,
        dryRun: record.dryRun,
        jobId: record.id,
        signal: controller.signal,
        log,
        progress: (p) => this.reportProgress(job, p),
      });
      // The work is done: a cancellation that arrives now changes nothing, so the job succeeded.
      if (!record.dryRun && action.refreshes.length > 0 && this.options.scheduled) {
        this.reportProgress(job, { phase: 'refreshing metrics', detail: { collectors: [...action.refreshes] } });
        const scheduled = this.options.scheduled;
        await Promise.all(action.refreshes.map((c) => scheduled.refresh(c, target.name)));
      }
      status = 'succeeded';
      job.progress = { phase: 'done', percent: 100 };
    } catch (err) {
      if (controller.signal.aborted && job.abortedBecause === 'cancel') {
        status = 'cancelled';
        // The action's own words may add something the caller needs ("the save goes on running on the server").
        const said = errorMessage(err);
        const reason = errorMessage(controller.signal.reason);
        error = { code: 'cancelled', message: `cancelled by ${job.record.cancelRequestedBy ?? 'request'}${said && said !== reason ? `: ${said}` : ''}` };
      } else if (controller.signal.aborted && job.abortedBecause === 'shutdown') {
        status = 'interrupted';
        error = { code: 'interrupted', message: 'the exporter shut down while the job ran' };
      } else {
        status = 'failed';
        error = { code: 'action_failed', message: errorMessage(err) };
      }
    }
    const seconds = (performance.now() - started) / 1000;
    if (silenceId !== undefined) await this.options.silencer?.expire(silenceId).catch((err: unknown) => log.warn('jobs.silence_expire_failed', { error: err }));
    const outcome = { status, progress: asJson(job.progress), result, error };
    const audit: Parameters<JobRunner['audit']>[1] = {
      event: 'job.finished',
      outcome: status,
      action: record.action,
      target: record.target,
      params: record.params,
      jobId: record.id,
      detail: error ? error.message : `${seconds.toFixed(1)} s`,
    };
    // Metrics and the scope first: whoever sees the job finished may scrape, or start the next job in the scope, at once.
    job.finished = true;
    this.metrics.recordFinished(record.action, status, seconds);
    if (status === 'succeeded' && !record.dryRun) this.metrics.recordSuccess(record.action, record.target, new Date());
    await job.lock?.release();
    await job.saving;
    let finished: JobRecord | undefined;
    try {
      finished = await this.record(record.id, outcome, caller, audit, log);
    } catch (err) {
      // Kept in memory and retried every tick (not across a restart): a job
      // must not stay `running` because the state database blinked.
      log.error('jobs.record_failed', { error: err, status, retrying: true });
      this.unrecorded.set(record.id, { attempts: 0, record: () => this.record(record.id, outcome, caller, audit, log) });
    }
    const level = status === 'succeeded' ? 'info' : 'warn';
    log[level]('job.finished', { status, durationSeconds: Math.round(seconds * 10) / 10, ...(error ? { error: error.message } : {}) });
    return finished ?? { ...record, status, result, error };
  }

  private async record(
    id: string,
    outcome: { status: JobStatus; progress: Json; result: Json; error: JobError | null },
    caller: Caller,
    audit: Parameters<JobRunner['audit']>[1],
    log: Logger,
  ): Promise<JobRecord | undefined> {
    const finished = await this.store.finish(id, outcome.status, outcome.progress, outcome.result, outcome.error);
    if (!finished) {
      // Another replica declared the job interrupted while it ran (this one lost the state database for a while).
      log.error('jobs.outcome_not_recorded', { status: outcome.status, message: 'the job had already been marked finished by another replica; its outcome here is only in this log' });
      return this.store.get(id);
    }
    await this.audit(caller, audit);
    return finished;
  }

  /** Cancels a job: at once if it runs here, through the state database if it runs on another replica. */
  async cancel(id: string, caller: Caller): Promise<JobRecord> {
    const requested = await this.store.requestCancel(id, caller.actor);
    if (!requested) {
      const existing = await this.store.get(id);
      const outcome = existing ? 'conflict' : 'rejected';
      await this.audit(caller, { event: 'job.cancel_requested', outcome, jobId: existing?.id, action: existing?.action, target: existing?.target, statusCode: existing ? 409 : 404 });
      if (!existing) throw new ApiError(404, 'unknown_job', `no job with id ${id}`);
      throw new ApiError(409, 'job_finished', `job ${id} already ${existing.status}; nothing to cancel`, { status: existing.status });
    }
    await this.audit(caller, { event: 'job.cancel_requested', outcome: 'accepted', jobId: id, action: requested.action, target: requested.target, statusCode: 202 });
    const local = this.running.get(id);
    if (local) {
      local.record = { ...local.record, cancelRequestedBy: caller.actor };
      local.abortedBecause ??= 'cancel';
      local.controller.abort(new Error(`cancelled by ${caller.actor}`));
    }
    return requested;
  }

  /** The latest progress of a job running in this process (the CLI's progress bar), fresher than the stored one. */
  progressOf(id: string): JobProgress | undefined {
    return this.running.get(id)?.progress;
  }

  /** Settles when the job running in this process has finished (tests, the CLI). */
  async waitFor(id: string): Promise<JobRecord | undefined> {
    const local = this.running.get(id);
    return local ? local.done : this.store.get(id);
  }

  /**
   * Every second: this replica's presence, its jobs' heartbeat and progress,
   * their scope locks, cancellations asked through other replicas, outcomes
   * not yet recorded; every few seconds the sweep for dead replicas' jobs.
   * The steps fail independently: one that keeps failing blocks no other.
   */
  private tick(): Promise<void> {
    this.ticking ??= this.tickSteps().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async tickSteps(): Promise<void> {
    const reachable = await this.step('presence', () => this.presence.hold());
    // Only a replica that has seen the state database for longer than a
    // heartbeat's staleness may judge others dead: after an outage every
    // heartbeat is old, the live replicas' included.
    if (!reachable) this.reachableSince = undefined;
    else this.reachableSince ??= Date.now();
    if (!reachable) return;
    await this.step('heartbeat', () => this.heartbeat());
    await this.step('progress', async () => {
      for (const job of this.running.values()) await this.saveProgress(job);
    });
    await this.step('scope locks', () => this.checkScopeLocks());
    await this.step('cancellations', () => this.cancellationsFromElsewhere());
    await this.step('outcomes', () => this.retryUnrecorded());
    if (Date.now() - this.lastSweep >= SWEEP_INTERVAL_MS) await this.step('sweep', () => this.housekeeping());
  }

  /** Runs one step of the tick; a failure is logged when it starts and when it ends, not every second. */
  private async step(name: string, work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      if (this.troubledSteps.delete(name)) this.options.log.info('jobs.state_reachable', { step: name });
      return true;
    } catch (err) {
      if (!this.troubledSteps.has(name)) this.options.log.warn('jobs.state_unreachable', { step: name, error: err });
      this.troubledSteps.add(name);
      return false;
    }
  }

  /** Beats for the running jobs; one that another replica declared dead meanwhile is stopped here too. */
  private async heartbeat(): Promise<void> {
    const jobs = [...this.running.values()].filter((j) => !j.finished);
    const alive = await this.store.heartbeat(jobs.map((j) => j.record.id));
    for (const job of jobs) {
      if (alive.has(job.record.id) || job.finished || job.controller.signal.aborted) continue;
      this.options.log.error('jobs.declared_dead', { job: job.record.id, message: 'another replica marked this running job interrupted; stopping it' });
      job.abortedBecause ??= 'shutdown';
      job.controller.abort(new Error('another replica marked this job interrupted'));
    }
  }

  private async cancellationsFromElsewhere(): Promise<void> {
    for (const id of await this.store.cancelRequested([...this.running.keys()])) {
      const job = this.running.get(id);
      if (job && !job.controller.signal.aborted) {
        const current = await this.store.get(id);
        job.record = { ...job.record, cancelRequestedBy: current?.cancelRequestedBy ?? null };
        job.abortedBecause ??= 'cancel';
        job.controller.abort(new Error('cancelled'));
      }
    }
  }

  /** Outcomes the state database did not take; given up (and logged) when the database refuses them, or after an hour. */
  private async retryUnrecorded(): Promise<void> {
    for (const [id, pending] of this.unrecorded) {
      pending.attempts += 1;
      try {
        await pending.record();
        this.unrecorded.delete(id);
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        const refused = typeof code === 'string' && /^(22|23|42)/.test(code);
        if (refused || pending.attempts >= MAX_RECORD_ATTEMPTS) {
          this.unrecorded.delete(id);
          this.options.log.error('jobs.outcome_lost', { job: id, attempts: pending.attempts, error: err });
        }
      }
    }
  }

  /**
   * A scope lock lives on a connection of its own; if that connection
   * dropped, the server released the lock and another job could start in
   * the scope. Take it again; if someone else got it first, say so loudly.
   */
  private async checkScopeLocks(): Promise<void> {
    for (const job of [...this.running.values()]) {
      const lock = job.lock;
      if (!lock || job.finished || (await lock.alive())) continue;
      await lock.release();
      const again = await tryAdvisoryLock(this.options.db, LOCK_SPACE.jobScope, `${job.record.target}/${job.record.scope}`);
      if (again && job.finished) {
        // The job ended while the lock was being retaken: nobody else would release it.
        await again.release();
        continue;
      }
      job.lock = again;
      if (again) {
        this.options.log.warn('jobs.scope_lock_retaken', { job: job.record.id, scope: job.record.scope });
      } else {
        this.options.log.error('jobs.scope_lock_lost', {
          job: job.record.id,
          scope: job.record.scope,
          message: "the connection holding the job's scope lock dropped and another job now holds the scope; both run",
        });
      }
    }
  }

  private async housekeeping(): Promise<void> {
    this.lastSweep = Date.now();
    const contact = this.reachableSince === undefined ? 0 : (Date.now() - this.reachableSince) / 1000;
    if (contact > STALE_SECONDS + 1) {
      for (const job of await this.presence.sweep()) {
        // Cleaning up may take a while (a backend to wait for, an index to drop): not in the tick's way.
        void this.afterInterrupted(job);
      }
    }
    if (Date.now() - this.lastSuccessLoad >= SUCCESS_RELOAD_MS) {
      this.lastSuccessLoad = Date.now();
      this.metrics.loadSuccesses(await this.store.lastSuccesses());
    }
  }

  /** A dead replica's job: its leftovers removed, the event logged, audited and counted. Never throws. */
  private async afterInterrupted(job: JobRecord): Promise<void> {
    const cleanedUp = await this.cleanUpInterrupted(job);
    this.options.log.warn('job.interrupted', { job: job.id, action: job.action, target: job.target, cleanedUp });
    const ran = job.startedAt && job.finishedAt ? (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000 : 0;
    this.metrics.recordFinished(job.action, 'interrupted', ran);
    await this.audit(
      { actor: 'upkeep', tokenName: undefined, role: 'admin', origin: `instance:${this.instanceId}` },
      {
        event: 'job.interrupted',
        outcome: 'interrupted',
        action: job.action,
        target: job.target,
        params: job.params,
        jobId: job.id,
        detail: `${job.error?.message ?? 'interrupted'}${cleanedUp === undefined ? '' : `; cleaned up: ${JSON.stringify(cleanedUp)}`}`,
      },
    ).catch((err: unknown) => this.options.log.error('audit.write_failed', { job: job.id, error: err }));
  }

  /** What the dead job left behind, removed by its action; undefined when the action has nothing to clean or the target is not ours. */
  private async cleanUpInterrupted(job: JobRecord): Promise<Json | undefined> {
    const action = this.actions.get(job.action);
    if (!action?.cleanUpInterrupted || job.dryRun) return undefined;
    const target = [...this.options.targets.ofKind('postgres'), ...this.options.targets.ofKind('redis')].find((t) => t.name === job.target && t.kind === action.targetKind);
    if (!target) return undefined;
    try {
      return await action.cleanUpInterrupted({ target, jobId: job.id, progress: job.progress, log: this.options.log });
    } catch (err) {
      this.options.log.warn('job.cleanup_failed', { job: job.id, error: err });
      return { error: errorMessage(err) };
    }
  }

  async audit(caller: Caller, entry: Omit<Parameters<JobStore['audit']>[0], 'actor' | 'tokenName' | 'origin'>): Promise<void> {
    await this.store.audit({ actor: caller.actor, tokenName: caller.tokenName, origin: caller.origin, ...entry });
  }

  /**
   * Aborts running jobs (recorded as interrupted) and waits for them
   * briefly. The heartbeat keeps beating meanwhile, so no other replica
   * declares them dead while they wind down; then outcomes not yet recorded
   * get a last try, and this replica's presence is released.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const job of this.running.values()) {
      job.abortedBecause ??= 'shutdown';
      job.controller.abort(new Error('the exporter is stopping'));
    }
    const pending = [...this.running.values()].map((j) => j.done);
    await withTimeout(Promise.allSettled(pending), STOP_WAIT_MS).catch(() =>
      this.options.log.warn('jobs.stop_slow', { message: `jobs still stopping after ${STOP_WAIT_MS} ms; the next start marks them interrupted` }),
    );
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.step('outcomes', () => this.retryUnrecorded());
    for (const id of this.unrecorded.keys()) this.options.log.error('jobs.outcome_lost', { job: id, message: 'not recorded before shutdown; the job will read interrupted' });
    await this.presence.release();
  }
}

/** Params after the schema: plain JSON (zod output of strict objects of JSON input). */
function asJson(value: unknown): Json {
  return (value === undefined ? null : JSON.parse(JSON.stringify(value))) as Json;
}

/** Key order as PostgreSQL's jsonb stores it (shorter keys first, then bytewise), so a stored request compares equal to a new one. */
function canonical(value: Json): Json {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(keys.map((k) => [k, canonical(value[k] as Json)]));
  }
  return value;
}
