/**
 * Scheduled actions on a real state database: two "replicas" (a JobService
 * and an ActionSchedules each) share one state database and one schedule,
 * and every tick runs exactly once between them; ticks outside the
 * maintenance window are recorded and audited without a job; a refused
 * submit is recorded and the scheduler carries on; invalid schedules never
 * run; ticks without a state database are skipped. Cron runs every second
 * here (node-cron accepts a seconds field) so the test takes seconds.
 */
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAction, type AnyAction } from '../../exporter/src/actions/types.js';
import { catalogOf, collectors } from '../../exporter/src/collectors/index.js';
import { validateConfig } from '../../exporter/src/config/load.js';
import { formatProblem } from '../../exporter/src/config/problems.js';
import type { Config } from '../../exporter/src/config/types.js';
import { freePort } from '../../exporter/src/freePort.js';
import { JobService } from '../../exporter/src/jobs/jobService.js';
import { SampleSet } from '../../exporter/src/metrics/family.js';
import { ActionSchedules, truncateToResolution } from '../../exporter/src/scheduler/actionSchedules.js';
import { scheduleLastTick } from '../../exporter/src/scheduler/scheduleMetrics.js';
import { TargetSet } from '../../exporter/src/targets/index.js';
import { captureLog, eventually, harness, queryOnce, type CapturedLog } from '../harness/index.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';
import { blockUntilReleased } from '../harness/testActions.js';

const EVERY_SECOND = '* * * * * *';

/** Job ids of every run of `record-run`, whichever replica ran it. */
const recordedRuns: string[] = [];

const recordRun = defineAction({
  name: 'record-run',
  title: 'Record a run',
  description: 'Test action: notes that it ran.',
  targetKind: 'postgres',
  params: z.strictObject({ lane: z.string().regex(/^[a-z]+$/).default('one') }),
  role: 'operator',
  destructive: false,
  supportsDryRun: false,
  refreshes: [],
  prepare: ({ params }) => Promise.resolve({ scope: `lane:${params.lane}`, plan: null }),
  run: ({ jobId }) => {
    recordedRuns.push(jobId);
    return Promise.resolve({ recorded: jobId });
  },
});

/** Runs until the test releases it (or the job is aborted): holds its scope meanwhile. */
const blocking = blockUntilReleased();

const testActions: readonly AnyAction[] = [recordRun, blocking.action];

interface Replica {
  jobs: JobService;
  schedules: ActionSchedules;
  captured: CapturedLog;
  /** Stops the scheduler only (no more ticks); jobs keep running. */
  stopTicking(): Promise<void>;
  stop(): Promise<void>;
}

async function configWith(stateDsn: string | undefined, schedules: Record<string, unknown>[]): Promise<Config> {
  const result = await validateConfig(
    {
      postgres: [{ name: 'main', dsn: harness().primary.dsn }],
      redis: [{ name: 'cache', url: harness().redis.url }],
      ...(stateDsn === undefined ? {} : { state: { dsn: stateDsn } }),
      schedules,
    },
    { collectors: catalogOf(collectors) },
  );
  if (!result.ok) throw new Error(`test config invalid: ${result.problems.map((p) => formatProblem(p)).join('; ')}`);
  return result.config;
}

/** One exporter replica's job side: its own targets, runner and scheduler on the shared state database. */
async function startReplica(stateDsn: string | undefined, schedules: Record<string, unknown>[]): Promise<Replica> {
  const config = await configWith(stateDsn, schedules);
  const captured = captureLog();
  const targets = await TargetSet.fromConfig(config, captured.log);
  const jobs = new JobService({ stateDsn: config.state?.dsn, actions: testActions, targets, scheduled: undefined, log: captured.log });
  await jobs.start();
  const actionSchedules = new ActionSchedules({ schedules: config.schedules, actions: testActions, targets, jobs, log: captured.log });
  actionSchedules.start();
  let stopped = false;
  return {
    jobs,
    schedules: actionSchedules,
    captured,
    stopTicking: () => actionSchedules.stop(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await actionSchedules.stop();
      await jobs.stop();
      await targets.close();
    },
  };
}

interface TickRow {
  fire_time: Date;
  instance_id: string;
  outcome: string;
  job_id: string | null;
  detail: string | null;
}

function metricsOf(schedules: ActionSchedules): Map<string, number> {
  const out = new SampleSet();
  schedules.emitInto(out);
  const values = new Map<string, number>();
  for (const { family, samples } of out.families()) {
    for (const s of samples) values.set(`${family.name}{${s.labels.schedule ?? ''}}`, s.value);
  }
  return values;
}

/** `HH:MM` in UTC, `hours` from now. */
function utcClock(hoursFromNow: number): string {
  return new Date(Date.now() + hoursFromNow * 3_600_000).toISOString().slice(11, 16);
}

describe('scheduled actions', () => {
  let state: TestDatabase;
  const replicas: Replica[] = [];
  const ticks = (schedule: string) =>
    queryOnce<TickRow>(state.dsn, 'SELECT fire_time, instance_id, outcome, job_id, detail FROM upkeep.schedule_runs WHERE schedule = $1 ORDER BY fire_time', [schedule]);

  beforeAll(async () => {
    state = await createTestDatabase('sched_state');
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await state?.drop();
  });

  it('runs each tick exactly once across two replicas sharing the state database', async () => {
    const schedule = { name: 'every-second', action: 'record-run', target: 'main', cron: EVERY_SECOND, params: { lane: 'shared' } };
    const first = await startReplica(state.dsn, [schedule]);
    const second = await startReplica(state.dsn, [schedule]);
    replicas.push(first, second);

    await eventually(async () => (await ticks('every-second')).length >= 4, 'four ticks of the schedule', 20_000);
    await Promise.all([first.stopTicking(), second.stopTicking()]);
    await eventually(async () => (await ticks('every-second')).every((t) => t.outcome === 'succeeded'), 'every tick\'s job recorded as succeeded');

    const rows = await ticks('every-second');
    const jobs = await queryOnce<{ id: string; idempotency_key: string; actor: string; status: string }>(
      state.dsn,
      `SELECT id, idempotency_key, actor, status FROM upkeep.jobs WHERE origin = 'schedule:every-second'`,
    );
    // One job per tick, each tick's job ran once, and no tick has two jobs.
    expect(jobs).toHaveLength(rows.length);
    expect(new Set(rows.map((r) => r.job_id))).toEqual(new Set(jobs.map((j) => j.id)));
    expect(recordedRuns.filter((id) => jobs.some((j) => j.id === id)).sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const row of rows) {
      expect(row.fire_time.getMilliseconds()).toBe(0);
      const job = jobs.find((j) => j.id === row.job_id);
      expect(job?.idempotency_key).toBe(`schedule:every-second@${row.fire_time.toISOString()}`);
      expect(job?.actor).toBe('schedule:every-second');
    }
    // Both replicas saw the ticks: whichever lost a claim said so (quietly) and ran nothing.
    const claimsLost = first.captured.events('schedule.tick_taken').length + second.captured.events('schedule.tick_taken').length;
    expect(claimsLost).toBeGreaterThanOrEqual(rows.length - 2);
    const instances = new Set<string | undefined>([first.jobs.runner?.instanceId, second.jobs.runner?.instanceId]);
    expect(rows.every((r) => instances.has(r.instance_id))).toBe(true);

    // The audit log names the schedule as the actor of each job.
    const audited = await queryOnce<{ n: string }>(
      state.dsn,
      `SELECT count(*) AS n FROM upkeep.audit WHERE actor = 'schedule:every-second' AND event = 'job.finished' AND outcome = 'succeeded'`,
    );
    expect(Number(audited[0]?.n)).toBe(rows.length);

    // Both replicas report the same timestamps, read from the state database.
    await Promise.all([first.schedules.refreshMetrics(), second.schedules.refreshMetrics()]);
    const fromFirst = metricsOf(first.schedules);
    const fromSecond = metricsOf(second.schedules);
    const lastRun = fromFirst.get('upkeep_schedule_last_run_timestamp_seconds{every-second}') ?? 0;
    const lastSuccess = fromFirst.get('upkeep_schedule_last_success_timestamp_seconds{every-second}') ?? 0;
    expect(lastRun).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(lastSuccess).toBeGreaterThanOrEqual(lastRun);
    const fromDatabase = (m: Map<string, number>) => [...m].filter(([key]) => !key.startsWith(scheduleLastTick.name));
    expect(fromDatabase(fromSecond)).toEqual(fromDatabase(fromFirst));
    // Each replica saw the ticks itself; every one it saw started a job (on one replica or the other).
    for (const metrics of [fromFirst, fromSecond]) {
      const lastTick = metrics.get(`${scheduleLastTick.name}{every-second}`) ?? 0;
      expect(lastTick).toBeGreaterThan(0);
      expect(lastTick).toBeLessThanOrEqual(lastRun);
    }
    expect([...first.captured.lines, ...second.captured.lines].filter((l) => l.level === 'error' || l.event === 'schedule.tick_failed')).toEqual([]);
  });

  it('skips, records and audits ticks outside the maintenance window, without a job', async () => {
    const schedule = {
      name: 'outside-window',
      action: 'record-run',
      target: 'main',
      cron: EVERY_SECOND,
      params: { lane: 'window' },
      window: { start: utcClock(2), end: utcClock(3), timezone: 'UTC' },
    };
    const replica = await startReplica(state.dsn, [schedule]);
    replicas.push(replica);
    await eventually(async () => (await ticks('outside-window')).length >= 2, 'two ticks of the windowed schedule');
    await replica.stopTicking();

    const rows = await ticks('outside-window');
    expect(rows.every((r) => r.outcome === 'skipped_window' && r.job_id === null)).toBe(true);
    expect(rows[0]?.detail).toBe(`outside the maintenance window ${schedule.window.start}–${schedule.window.end} UTC`);
    const jobs = await queryOnce(state.dsn, `SELECT id FROM upkeep.jobs WHERE origin = 'schedule:outside-window'`);
    expect(jobs).toHaveLength(0);
    const audit = await queryOnce<{ outcome: string; action: string; target: string; detail: string }>(
      state.dsn,
      `SELECT outcome, action, target, detail FROM upkeep.audit WHERE actor = 'schedule:outside-window' AND event = 'schedule.skipped' ORDER BY id`,
    );
    expect(audit).toHaveLength(rows.length);
    expect(audit[0]).toMatchObject({ outcome: 'skipped', action: 'record-run', target: 'main' });
    expect(audit[0]?.detail).toContain('outside the maintenance window');
    expect(replica.captured.events('schedule.skipped').length).toBe(rows.length);

    // Never ran, never succeeded: the series are there, at 0.
    await replica.schedules.refreshMetrics();
    const metrics = metricsOf(replica.schedules);
    expect(metrics.get('upkeep_schedule_last_run_timestamp_seconds{outside-window}')).toBe(0);
    expect(metrics.get('upkeep_schedule_last_success_timestamp_seconds{outside-window}')).toBe(0);
    // A tick the window skips on purpose is not one that should have run.
    expect(metrics.get(`${scheduleLastTick.name}{outside-window}`)).toBe(0);
  });

  it('records a submit refused because the previous run still holds the scope, and carries on', async () => {
    const schedule = { name: 'overlapping', action: 'block-until-released', target: 'main', cron: EVERY_SECOND, params: {} };
    const replica = await startReplica(state.dsn, [schedule]);
    replicas.push(replica);
    await eventually(async () => (await ticks('overlapping')).filter((t) => t.outcome === 'conflict').length >= 2, 'two ticks refused while the first job runs');
    await replica.stopTicking();

    const rows = await ticks('overlapping');
    const running = rows.filter((r) => r.outcome === 'running');
    expect(running).toHaveLength(1);
    const refused = rows.filter((r) => r.outcome === 'conflict');
    expect(refused.every((r) => r.job_id === null && r.detail?.startsWith('job_conflict:') && r.detail.includes(running[0]?.job_id ?? '?'))).toBe(true);
    expect(replica.captured.events('schedule.submit_refused').length).toBeGreaterThanOrEqual(2);
    // The runner audited each refusal as a conflict on behalf of the schedule.
    const conflicts = await queryOnce(state.dsn, `SELECT id FROM upkeep.audit WHERE actor = 'schedule:overlapping' AND event = 'job.requested' AND outcome = 'conflict'`);
    expect(conflicts).toHaveLength(refused.length);

    await replica.schedules.refreshMetrics();
    const whileBlocked = metricsOf(replica.schedules);
    expect(whileBlocked.get('upkeep_schedule_last_success_timestamp_seconds{overlapping}')).toBe(0);
    // The refused ticks came after the one run that started: ScheduledJobNotRun's signal.
    const lastRefused = Math.max(...refused.map((r) => r.fire_time.getTime() / 1000));
    expect(whileBlocked.get(`${scheduleLastTick.name}{overlapping}`)).toBe(lastRefused);
    expect(whileBlocked.get('upkeep_schedule_last_run_timestamp_seconds{overlapping}')).toBeLessThan(lastRefused);
    blocking.release();
    const jobId = running[0]?.job_id ?? '';
    await eventually(async () => (await ticks('overlapping')).some((t) => t.job_id === jobId && t.outcome === 'succeeded'), 'the released job recorded as succeeded');
    await replica.schedules.refreshMetrics();
    expect(metricsOf(replica.schedules).get('upkeep_schedule_last_success_timestamp_seconds{overlapping}')).toBeGreaterThan(0);
  });

  it('logs invalid schedules at start and never runs them', async () => {
    const schedules = [
      { name: 'unknown-action', action: 'no-such-action', target: 'main', cron: EVERY_SECOND },
      { name: 'wrong-kind', action: 'record-run', target: 'cache', cron: EVERY_SECOND },
      { name: 'bad-params', action: 'record-run', target: 'main', cron: EVERY_SECOND, params: { lane: 'DROP TABLE x', extra: 1 } },
    ];
    const replica = await startReplica(state.dsn, schedules);
    replicas.push(replica);
    const invalid = replica.captured.events('schedule.invalid');
    expect(invalid.map((e) => [e.schedule, e.field])).toEqual([
      ['unknown-action', 'action'],
      ['wrong-kind', 'target'],
      ['bad-params', 'params'],
    ]);
    expect(invalid.every((e) => e.level === 'error')).toBe(true);
    expect(String(invalid[1]?.error)).toContain('cache" is a redis target');
    expect(String(invalid[2]?.error)).toMatch(/lane: .*extra|extra.*lane/s);

    await new Promise((r) => setTimeout(r, 1500));
    await replica.stopTicking();
    const rows = await queryOnce(state.dsn, `SELECT schedule FROM upkeep.schedule_runs WHERE schedule = ANY($1::text[])`, [schedules.map((s) => s.name)]);
    expect(rows).toHaveLength(0);
    // Configured but never able to run: reported as never having run.
    await replica.schedules.refreshMetrics();
    expect(metricsOf(replica.schedules).get('upkeep_schedule_last_success_timestamp_seconds{bad-params}')).toBe(0);
  });

  it('skips ticks, logging them, while the state database is unreachable', async () => {
    const unreachable = `postgres://postgres@127.0.0.1:${await freePort()}/upkeep_state`;
    const replica = await startReplica(unreachable, [{ name: 'no-state', action: 'record-run', target: 'main', cron: EVERY_SECOND }]);
    replicas.push(replica);
    expect(replica.jobs.status.state).toBe('unavailable');
    await eventually(() => Promise.resolve(replica.captured.events('schedule.tick_skipped').length >= 2), 'two ticks skipped');
    await replica.stop();
    const skipped = replica.captured.events('schedule.tick_skipped');
    expect(skipped[0]).toMatchObject({ level: 'warn', schedule: 'no-state', reason: 'state_unavailable' });
    // Nothing known from the state database, so no run or success series rather than a false 0;
    // the ticks themselves did come, and say so.
    const metrics = metricsOf(replica.schedules);
    expect([...metrics.keys()]).toEqual([`${scheduleLastTick.name}{no-state}`]);
    expect(metrics.get(`${scheduleLastTick.name}{no-state}`)).toBe(Math.max(...skipped.map((e) => Date.parse(String(e.fireTime)) / 1000)));
  });

  it('refuses to schedule anything without a state database', async () => {
    // Config validation rejects schedules without `state`; the scheduler still must not tick without one.
    const config = await configWith(undefined, []);
    const schedules = (await configWith(state.dsn, [{ name: 'stateless', action: 'record-run', target: 'main', cron: EVERY_SECOND }])).schedules;
    const captured = captureLog();
    const targets = await TargetSet.fromConfig(config, captured.log);
    const jobs = new JobService({ stateDsn: undefined, actions: testActions, targets, scheduled: undefined, log: captured.log });
    await jobs.start();
    const actionSchedules = new ActionSchedules({ schedules, actions: testActions, targets, jobs, log: captured.log });
    actionSchedules.start();
    await new Promise((r) => setTimeout(r, 1200));
    await actionSchedules.stop();
    await jobs.stop();
    await targets.close();
    expect(captured.events('schedule.no_state_database')).toHaveLength(1);
    expect(captured.events('schedule.tick_skipped')).toHaveLength(0);
  });

  it('keys a tick by its scheduled minute, or second for a six-field expression', () => {
    const slot = new Date('2024-05-01T03:00:00.000Z');
    expect(truncateToResolution(new Date(slot.getTime() + 1400), '0 3 * * *')).toEqual(slot);
    expect(truncateToResolution(new Date(slot.getTime() + 1400), '* * * * * *')).toEqual(new Date(slot.getTime() + 1000));
  });
});
