/**
 * cancel-query and terminate-backend against real sessions in a database of
 * the test's own: a victim connection runs pg_sleep, the action signals it
 * only while pid and query_start still match, and refuses sessions it must
 * not touch.
 */
import pg from 'pg';
import { ZodError } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelQuery } from '../../exporter/src/actions/cancelQuery.js';
import { MaintenanceSession } from '../../exporter/src/actions/maintenanceSession.js';
import { terminateBackend } from '../../exporter/src/actions/terminateBackend.js';
import { ActionRejection, type Action } from '../../exporter/src/actions/types.js';
import { silentLogger } from '../../exporter/src/log.js';
import { PostgresTarget } from '../../exporter/src/targets/postgres.js';
import { runActionDirectly } from '../harness/actions.js';
import { eventually, harness, postgresTargetConfig, queryOnce } from '../harness/index.js';
import { rejectionOf } from '../harness/rejection.js';

const DB = 'upkeep_session_actions';
const WEAK_ROLE = 'upkeep_session_actions_weak';
const dsnOf = (database: string, user = 'postgres'): string =>
  harness().primary.dsn.replace(/\/\/[^@]+@/, `//${user}@`).replace(/\/postgres$/, `/${database}`);

let target: PostgresTarget;
const clients: pg.Client[] = [];

interface Seen {
  pid: number;
  state: string | null;
  query_start: string | null;
}

/** query_start as the action's details show it: UTC, microseconds. */
async function seen(pid: number): Promise<Seen | undefined> {
  const rows = await queryOnce<Seen>(
    harness().primary.dsn,
    `SELECT pid, state, to_char(query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS query_start FROM pg_stat_activity WHERE pid = $1`,
    [pid],
  );
  return rows[0];
}

/** A connection of the test's own, the session the actions are aimed at. */
async function victim(): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: dsnOf(DB), application_name: 'victim' });
  client.on('error', () => undefined); // terminated on purpose
  await client.connect();
  clients.push(client);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, pid: rows[0]!.pid };
}

interface Sleeping {
  queryStart: string;
  /** Settles with the query's error (undefined when it ended normally). */
  outcome: Promise<(Error & { code?: string }) | undefined>;
  settled(): boolean;
}

/** Starts `SELECT pg_sleep(60)` on the client and waits until pg_stat_activity shows it running. */
async function sleepOn(client: pg.Client, pid: number, previousStart?: string): Promise<Sleeping> {
  let done = false;
  const outcome = client.query('SELECT pg_sleep(60)').then(
    () => undefined,
    (err: Error & { code?: string }) => err,
  );
  void outcome.then(() => (done = true));
  let queryStart = '';
  await eventually(async () => {
    const row = await seen(pid);
    if (row?.state !== 'active' || row.query_start === null || row.query_start === previousStart) return false;
    queryStart = row.query_start;
    return true;
  }, `pg_sleep running on backend ${pid}`);
  return { queryStart, outcome, settled: () => done };
}

async function stopSleep(pid: number, sleeping: Sleeping): Promise<void> {
  await queryOnce(harness().primary.dsn, 'SELECT pg_cancel_backend($1)', [pid]);
  await sleeping.outcome;
}

/** Prepares now and returns the run, to be started later: what the job runner does, with a gap in between. */
const prepareAndRunLater = async <P, Plan>(action: Action<'postgres', P, Plan>, params: unknown) => {
  const signal = new AbortController().signal;
  const prepared = await action.prepare({ target, params: action.params.parse(params), dryRun: false, signal, log: silentLogger });
  return () => action.run({ target, plan: prepared.plan, dryRun: false, jobId: 'race', signal, log: silentLogger, progress: () => undefined });
};

beforeAll(async () => {
  await queryOnce(harness().primary.dsn, `DROP DATABASE IF EXISTS ${DB}`);
  await queryOnce(harness().primary.dsn, `CREATE DATABASE ${DB}`);
  await queryOnce(harness().primary.dsn, `DROP ROLE IF EXISTS ${WEAK_ROLE}`);
  await queryOnce(harness().primary.dsn, `CREATE ROLE ${WEAK_ROLE} LOGIN`);
  target = new PostgresTarget(await postgresTargetConfig({ name: 'main', dsn: dsnOf(DB) }), silentLogger);
  await target.probe();
});

afterAll(async () => {
  await target?.close();
  await queryOnce(harness().primary.dsn, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${DB}'`);
  await Promise.allSettled(clients.map((c) => c.end()));
  await queryOnce(harness().primary.dsn, `DROP DATABASE IF EXISTS ${DB}`);
  await queryOnce(harness().primary.dsn, `DROP ROLE IF EXISTS ${WEAK_ROLE}`);
});

describe('cancel-query', () => {
  it('cancels the running query (SQLSTATE 57014) and leaves the session connected', async () => {
    const { client, pid } = await victim();
    const sleeping = await sleepOn(client, pid);

    const run = await runActionDirectly(cancelQuery, target, { pid, queryStart: sleeping.queryStart });

    expect(run.scope).toBe(`backend:${pid}`);
    expect(run.result).toMatchObject({ signal: 'cancel', pid, signalled: true, queryStopped: true, session: { pid, applicationName: 'victim', database: DB } });
    expect((await sleeping.outcome)?.code).toBe('57014');
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(rows[0]?.pid).toBe(pid);
    expect(run.progress.map((p) => p.phase)).toEqual(['signalling', 'waiting for the query to stop']);
  });

  it('matches a queryStart given to the millisecond, in any offset, and not one two milliseconds off', async () => {
    const { client, pid } = await victim();
    const sleeping = await sleepOn(client, pid);
    // 2024-05-01T10:00:00.123456Z → 2024-05-01T12:00:00.123+02:00, the same instant truncated to the millisecond.
    const asMillis = new Date(Date.parse(sleeping.queryStart) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    // Given to the millisecond, a queryStart matches within a millisecond either side (truncated or rounded), no further.
    const twoOff = new Date(Date.parse(sleeping.queryStart) + 2).toISOString();

    const preview = await runActionDirectly(cancelQuery, target, { pid, queryStart: asMillis }, { dryRun: true });
    expect(preview.result).toMatchObject({ dryRun: true, wouldSignal: true, session: { pid, queryStart: sleeping.queryStart, query: 'SELECT pg_sleep(60)', state: 'active' } });
    const changed = await rejectionOf(runActionDirectly(cancelQuery, target, { pid, queryStart: twoOff }), ActionRejection);
    expect(changed.status).toBe(409);

    // The dry run signalled nothing.
    expect(sleeping.settled()).toBe(false);
    expect((await seen(pid))?.state).toBe('active');
    await stopSleep(pid, sleeping);
  });

  it('refuses a queryStart the session no longer has (409, showing the current one) and leaves the query running', async () => {
    const { client, pid } = await victim();
    const sleeping = await sleepOn(client, pid);
    const stale = sleeping.queryStart.replace(/\d{6}Z$/, (us) => `${String((Number(us.slice(0, 6)) + 1) % 1_000_000).padStart(6, '0')}Z`);

    const rejection = await rejectionOf(runActionDirectly(cancelQuery, target, { pid, queryStart: stale }), ActionRejection);

    expect(rejection).toMatchObject({ status: 409, code: 'session_changed', details: { pid, queryStart: sleeping.queryStart, given: stale } });
    await new Promise((r) => setTimeout(r, 200));
    expect(sleeping.settled()).toBe(false);
    expect((await seen(pid))?.state).toBe('active');
    await stopSleep(pid, sleeping);
  });

  it('signals nothing and fails when the query ended between prepare and run, even with a new query on the same pid', async () => {
    const { client, pid } = await victim();
    const first = await sleepOn(client, pid);
    const cancelLater = await prepareAndRunLater(cancelQuery, { pid, queryStart: first.queryStart });
    const terminateLater = await prepareAndRunLater(terminateBackend, { pid, queryStart: first.queryStart });
    await stopSleep(pid, first);

    // Idle now, query_start unchanged: there is no query left to cancel.
    await expect(cancelLater()).rejects.toThrow(/nothing was signalled/);

    const second = await sleepOn(client, pid, first.queryStart);
    await expect(cancelLater()).rejects.toThrow(/nothing was signalled/);
    await expect(terminateLater()).rejects.toThrow(/nothing was signalled/);
    await new Promise((r) => setTimeout(r, 200));
    expect(second.settled()).toBe(false);
    expect(await seen(pid)).toMatchObject({ state: 'active', query_start: second.queryStart });
    await stopSleep(pid, second);
  });

  it('refuses an idle transaction: a cancel would not end it', async () => {
    const { client, pid } = await victim();
    await client.query('BEGIN');
    await client.query('SELECT 1');
    const queryStart = (await seen(pid))!.query_start!;
    const rejection = await rejectionOf(runActionDirectly(cancelQuery, target, { pid, queryStart }), ActionRejection);
    expect(rejection).toMatchObject({ status: 409, code: 'query_not_running', details: { state: 'idle in transaction' } });
    expect(rejection.message).toMatch(/terminate-backend/);
    await client.query('ROLLBACK');
  });
});

describe('terminate-backend', () => {
  it('ends the session: the client gets an error and the pid leaves pg_stat_activity', async () => {
    const { client, pid } = await victim();
    const sleeping = await sleepOn(client, pid);

    const run = await runActionDirectly(terminateBackend, target, { pid, queryStart: sleeping.queryStart });

    expect(run.result).toMatchObject({ signal: 'terminate', pid, signalled: true, backendGone: true, session: { pid, applicationName: 'victim' } });
    expect((await sleeping.outcome)?.code).toBe('57P01');
    expect(await seen(pid)).toBeUndefined();
    await expect(client.query('SELECT 1')).rejects.toThrow();
  });

  it('ends a session idle in its transaction, whose last query_start still matches', async () => {
    const { client, pid } = await victim();
    await client.query('BEGIN');
    await client.query('SELECT 1');
    const queryStart = (await seen(pid))!.query_start!;

    const preview = await runActionDirectly(terminateBackend, target, { pid, queryStart }, { dryRun: true });
    expect(preview.result).toMatchObject({ dryRun: true, wouldSignal: true, session: { state: 'idle in transaction', query: 'SELECT 1' } });
    expect(await seen(pid)).toBeDefined();

    const run = await runActionDirectly(terminateBackend, target, { pid, queryStart });
    expect(run.result).toMatchObject({ backendGone: true });
    expect(await seen(pid)).toBeUndefined();
  });
});

describe('sessions the actions refuse', () => {
  it('answers 404 for a pid no backend has', async () => {
    const rejection = await rejectionOf(runActionDirectly(cancelQuery, target, { pid: 2147483647, queryStart: '2024-05-01T10:00:00.000Z' }), ActionRejection);
    expect(rejection).toMatchObject({ status: 404, code: 'unknown_session' });
  });

  it("refuses the exporter's own sessions and a job's session (422)", async () => {
    const { rows } = await target.query<{ pid: number; query_start: string }>(
      `SELECT pid, to_char(query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS query_start FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
    );
    const own = rows[0]!;
    const ownRejection = await rejectionOf(runActionDirectly(terminateBackend, target, { pid: own.pid, queryStart: own.query_start }), ActionRejection);
    expect(ownRejection).toMatchObject({ status: 422, code: 'upkeep_session' });

    const job = await MaintenanceSession.open(target, { jobId: 'other-job', signal: new AbortController().signal });
    try {
      const { rows: jobRows } = await job.query<{ query_start: string }>(
        `SELECT to_char(query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS query_start FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
      );
      const jobRejection = await rejectionOf(runActionDirectly(terminateBackend, target, { pid: job.pid, queryStart: jobRows[0]!.query_start }), ActionRejection);
      expect(jobRejection).toMatchObject({ status: 422, code: 'upkeep_session' });
      expect((await job.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    } finally {
      await job.close();
    }
  });

  it('refuses server processes that are no client session (422)', async () => {
    const [checkpointer] = await queryOnce<{ pid: number }>(harness().primary.dsn, `SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'`);
    const rejection = await rejectionOf(runActionDirectly(terminateBackend, target, { pid: checkpointer!.pid, queryStart: '2024-05-01T10:00:00.000Z' }), ActionRejection);
    expect(rejection).toMatchObject({ status: 422, code: 'not_client_backend', details: { backendType: 'checkpointer' } });
  });

  it("refuses a session the target's role may not signal (422), before anything is sent", async () => {
    const { client, pid } = await victim();
    const sleeping = await sleepOn(client, pid);
    const weak = new PostgresTarget(await postgresTargetConfig({ name: 'weak', dsn: dsnOf(DB, WEAK_ROLE) }), silentLogger);
    try {
      await weak.probe();
      // Without pg_read_all_stats the role cannot even see what the session runs.
      const hidden = await rejectionOf(runActionDirectly(cancelQuery, weak, { pid, queryStart: sleeping.queryStart }), ActionRejection);
      expect(hidden).toMatchObject({ status: 422, code: 'not_permitted', message: expect.stringMatching(/may not see/) as unknown });
      // Seeing is not signalling: a superuser's session needs a superuser.
      await queryOnce(harness().primary.dsn, `GRANT pg_read_all_stats, pg_signal_backend TO ${WEAK_ROLE}`);
      const refused = await rejectionOf(runActionDirectly(cancelQuery, weak, { pid, queryStart: sleeping.queryStart }), ActionRejection);
      expect(refused).toMatchObject({ status: 422, code: 'not_permitted', details: { user: 'postgres' } });
    } finally {
      await weak.close();
    }
    expect(sleeping.settled()).toBe(false);
    await stopSleep(pid, sleeping);
  });

  it.each([
    ['a negative pid', { pid: -1, queryStart: '2024-05-01T10:00:00.123Z' }],
    ['a pid smuggling SQL', { pid: '1; DROP TABLE x', queryStart: '2024-05-01T10:00:00.123Z' }],
    ['a fractional pid', { pid: 1.5, queryStart: '2024-05-01T10:00:00.123Z' }],
    ['a queryStart that is no date', { pid: 1, queryStart: 'not a date' }],
    ['a queryStart smuggling SQL', { pid: 1, queryStart: "2024-05-01T10:00:00.123Z'; DROP TABLE x; --" }],
    ['a queryStart without offset', { pid: 1, queryStart: '2024-05-01T10:00:00.123' }],
    ['a queryStart to the second only', { pid: 1, queryStart: '2024-05-01T10:00:00Z' }],
    ['an unknown parameter', { pid: 1, queryStart: '2024-05-01T10:00:00.123Z', force: true }],
    ['no queryStart', { pid: 1 }],
  ])('rejects %s before looking anything up', async (_what, params) => {
    await expect(runActionDirectly(cancelQuery, target, params)).rejects.toThrow(ZodError);
    await expect(runActionDirectly(terminateBackend, target, params)).rejects.toThrow(ZodError);
  });
});
