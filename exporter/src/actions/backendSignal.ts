/**
 * What cancel-query and terminate-backend share: the session is named by
 * pid AND query_start (what the operator saw), and is signalled only while
 * both still match.
 *
 * A pid alone is not enough: by the time the request arrives, the query the
 * operator saw may have ended and the connection (same pid) run another one,
 * or the backend may have exited and the pid gone to a new session. So the
 * signal is sent by one statement that re-reads pg_stat_activity and calls
 * pg_cancel_backend / pg_terminate_backend only on the row that still
 * matches; if nothing matches, nothing is signalled and the job fails. What
 * remains is the interval between that row being read and the signal
 * arriving, microseconds; PostgreSQL offers nothing tighter.
 *
 * query_start has microsecond resolution; a UI may show it to the
 * millisecond. The given instant matches to the precision it is given in:
 * six fractional digits must be exact, three must fall in the same
 * millisecond (truncated or rounded). Fewer than three are refused, as a
 * whole second may cover several short queries on one connection.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { APPLICATION_NAME, type PostgresTarget } from '../targets/postgres.js';
import { jobApplicationName, MaintenanceSession } from './maintenanceSession.js';
import { ActionRejection, type Json, type PrepareContext, type Prepared, type RunContext } from './types.js';

/** pg_cancel_backend ends the running query and keeps the session; pg_terminate_backend ends the session. */
export type SignalKind = 'cancel' | 'terminate';

/** How long a real run waits for the query to stop or the backend to exit before reporting that it has not. */
const SETTLE_WAIT_MS = 5000;
const SETTLE_POLL_MS = 100;
/** pg_terminate_backend's timeout argument: PostgreSQL 14 and later. */
const TERMINATE_WAITS_FROM = 140000;
/** How much of the session's query the plan and the result show. */
const QUERY_PREVIEW_CHARS = 200;

const fractionDigits = (value: string): number => /\.(\d+)/.exec(value)?.[1]?.length ?? 0;

export const backendSignalParams = z.strictObject({
  // int4 in pg_stat_activity: anything larger could never match and would fail the cast.
  pid: z.int().positive().max(2147483647).describe('Process id of the backend, from pg_stat_activity.pid.'),
  queryStart: z.iso
    .datetime({ offset: true })
    .refine((value) => {
      const digits = fractionDigits(value);
      return digits >= 3 && digits <= 6;
    }, 'needs millisecond or microsecond precision (3 to 6 fractional digits), as pg_stat_activity.query_start shows it')
    .describe('pg_stat_activity.query_start of the session as seen, ISO 8601 with offset (2024-05-01T10:00:00.123456Z); matched to the precision given.'),
});

export type BackendSignalParams = z.infer<typeof backendSignalParams>;

/** The session as pg_stat_activity shows it: what the plan, the dry run and the result report. */
export type SessionView = {
  pid: number;
  user: string | null;
  database: string | null;
  applicationName: string | null;
  state: string | null;
  /** UTC, microseconds: the value to pass as queryStart to match this query. */
  queryStart: string | null;
  /** The first 200 characters. */
  query: string | null;
};

export interface BackendSignalPlan {
  pid: number;
  queryStart: string;
  toleranceMicros: number;
  session: SessionView;
}

interface SessionRow {
  pid: number;
  user: string | null;
  database: string | null;
  application_name: string | null;
  backend_type: string | null;
  state: string | null;
  query_start: string | null;
  query: string | null;
}

// $1 pid, $2 queryStart, $3 tolerance in microseconds, $4 the exporter's application_name, $5 the job prefix.
const SESSION_COLUMNS = `
  a.pid, a.usename AS "user", a.datname AS database, a.application_name, a.backend_type, a.state,
  to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS query_start,
  left(a.query, ${QUERY_PREVIEW_CHARS}) AS query`;
const QUERY_START_MATCHES = `coalesce(abs(round(extract(epoch FROM a.query_start - $2::timestamptz) * 1000000)) < $3, false)`;
const UPKEEP_SESSION = `(a.pid = pg_backend_pid() OR a.application_name = $4 OR starts_with(a.application_name, $5))`;
/**
 * What the server itself would check before signalling: a superuser's backend
 * only by a superuser; any other by a role with the privileges of its owner or
 * of pg_signal_backend. Asked in prepare so a refusal is a 422, not a failed job.
 */
const MAY_SIGNAL = `
  CASE WHEN a.usesysid IS NULL THEN false
       WHEN (SELECT rolsuper FROM pg_roles WHERE oid = a.usesysid) THEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       ELSE pg_has_role(current_user, a.usesysid, 'USAGE') OR pg_has_role(current_user, 'pg_signal_backend', 'USAGE') END`;

/** Only the running query can be cancelled; a terminate may also end an idle (in transaction) session. */
const stillTargeted = (kind: SignalKind): string =>
  `a.pid = $1 AND ${QUERY_START_MATCHES} AND a.backend_type = 'client backend' AND NOT ${UPKEEP_SESSION}${kind === 'cancel' ? ` AND a.state = 'active'` : ''}`;

const lookupValues = (plan: Pick<BackendSignalPlan, 'pid' | 'queryStart' | 'toleranceMicros'>): unknown[] => [
  plan.pid,
  plan.queryStart,
  plan.toleranceMicros,
  APPLICATION_NAME,
  jobApplicationName(''),
];

function viewOf(row: SessionRow): SessionView {
  return {
    pid: row.pid,
    user: row.user,
    database: row.database,
    applicationName: row.application_name,
    state: row.state,
    queryStart: row.query_start,
    query: row.query,
  };
}

export async function prepareBackendSignal(
  kind: SignalKind,
  { target, params }: PrepareContext<'postgres', BackendSignalParams>,
): Promise<Prepared<BackendSignalPlan>> {
  const match = { pid: params.pid, queryStart: params.queryStart, toleranceMicros: 10 ** (6 - fractionDigits(params.queryStart)) };
  const { rows } = await target.query<SessionRow & { matches: boolean; upkeep: boolean; may_signal: boolean }>(
    `SELECT ${SESSION_COLUMNS}, ${QUERY_START_MATCHES} AS matches, ${UPKEEP_SESSION} AS upkeep, ${MAY_SIGNAL} AS may_signal
       FROM pg_stat_activity a WHERE a.pid = $1`,
    lookupValues(match),
  );
  const row = rows[0];
  if (!row) throw new ActionRejection(404, 'unknown_session', `no backend has pid ${params.pid}`);
  const session = viewOf(row);
  if (row.upkeep) {
    throw new ActionRejection(422, 'upkeep_session', `backend ${params.pid} is one of Upkeep's own sessions (monitoring or a job); cancel the job instead`, session);
  }
  // pg_stat_activity hides everything but the pid and the user of sessions a role may not read.
  if (row.backend_type === null) {
    throw new ActionRejection(422, 'not_permitted', `the exporter's role may not see backend ${params.pid}'s session, so cannot check what it runs`, {
      pid: params.pid,
      hint: 'grant pg_read_all_stats (or pg_monitor) and pg_signal_backend to the role the target connects as',
    });
  }
  if (row.backend_type !== 'client backend') {
    throw new ActionRejection(422, 'not_client_backend', `backend ${params.pid} is a ${row.backend_type}, not a client session`, {
      pid: params.pid,
      backendType: row.backend_type,
    });
  }
  if (!row.may_signal) {
    throw new ActionRejection(422, 'not_permitted', `the exporter's role may not signal backend ${params.pid} (owned by ${row.user ?? 'another role'})`, {
      pid: params.pid,
      user: row.user,
      hint: 'grant pg_signal_backend to the role the target connects as (superusers\' sessions need a superuser)',
    });
  }
  if (!row.matches) {
    throw new ActionRejection(409, 'session_changed', `backend ${params.pid} now runs another query than the one started at ${params.queryStart}`, {
      ...session,
      given: params.queryStart,
    });
  }
  if (kind === 'cancel' && row.state !== 'active') {
    // An idle transaction ignores a cancel: only terminating the session ends it.
    const hint = row.state?.startsWith('idle in transaction') ? '; terminate-backend ends an idle transaction' : '';
    throw new ActionRejection(409, 'query_not_running', `backend ${params.pid} is ${row.state ?? 'not running a query'}: its query has ended, there is nothing to cancel${hint}`, session);
  }
  return { scope: `backend:${params.pid}`, plan: { ...match, session } };
}

export async function runBackendSignal(kind: SignalKind, ctx: RunContext<'postgres', BackendSignalPlan>): Promise<Json> {
  const { target, plan } = ctx;
  if (ctx.dryRun) {
    // The same rows the real statement would signal, without the signal.
    const { rows } = await target.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM pg_stat_activity a WHERE ${stillTargeted(kind)}`, lookupValues(plan));
    const row = rows[0];
    return { dryRun: true, signal: kind, pid: plan.pid, wouldSignal: row !== undefined, session: row ? viewOf(row) : plan.session };
  }
  // A job connection: pg_terminate_backend's wait may outlast the pool's statement_timeout.
  const session = await MaintenanceSession.open(target, { jobId: ctx.jobId, signal: ctx.signal });
  try {
    ctx.progress({ phase: 'signalling', detail: { pid: plan.pid, signal: kind } });
    const { rows } = await session.query<SessionRow & { signalled: boolean }>(
      `SELECT ${SESSION_COLUMNS}, ${signalCall(kind, target)} AS signalled FROM pg_stat_activity a WHERE ${stillTargeted(kind)}`,
      kind === 'terminate' && waitsForExit(target) ? [...lookupValues(plan), SETTLE_WAIT_MS] : lookupValues(plan),
    );
    const row = rows[0];
    if (!row) {
      throw new Error(
        kind === 'cancel'
          ? `nothing was signalled: backend ${plan.pid} no longer runs the query started at ${plan.queryStart} (it ended, or another began)`
          : `nothing was signalled: backend ${plan.pid} is gone or has run another query since ${plan.queryStart}`,
      );
    }
    const signalled = viewOf(row);
    if (kind === 'cancel') {
      ctx.progress({ phase: 'waiting for the query to stop', detail: { pid: plan.pid } });
      const queryStopped = await settles(ctx.signal, async () => !(await isStillTargeted(session, 'cancel', plan)));
      return { signal: kind, pid: plan.pid, signalled: true, queryStopped, session: signalled };
    }
    // With a timeout the server waited for the exit itself; before 14 the signal's delivery is all it reports.
    let backendGone = row.signalled;
    if (!waitsForExit(target)) {
      ctx.progress({ phase: 'waiting for the backend to exit', detail: { pid: plan.pid } });
      backendGone = await settles(ctx.signal, async () => (await session.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [plan.pid])).rowCount === 0);
    }
    return { signal: kind, pid: plan.pid, signalled: true, backendGone, session: signalled };
  } finally {
    await session.close();
  }
}

function waitsForExit(target: PostgresTarget): boolean {
  return (target.info?.versionNum ?? 0) >= TERMINATE_WAITS_FROM;
}

function signalCall(kind: SignalKind, target: PostgresTarget): string {
  if (kind === 'cancel') return 'pg_cancel_backend(a.pid)';
  return waitsForExit(target) ? 'pg_terminate_backend(a.pid, $6::bigint)' : 'pg_terminate_backend(a.pid)';
}

async function isStillTargeted(session: MaintenanceSession, kind: SignalKind, plan: BackendSignalPlan): Promise<boolean> {
  const { rowCount } = await session.query(`SELECT 1 FROM pg_stat_activity a WHERE ${stillTargeted(kind)}`, lookupValues(plan));
  return (rowCount ?? 0) > 0;
}

/** Polls `done` for up to SETTLE_WAIT_MS: signals are delivered asynchronously, and acted on at the backend's next interrupt check. */
async function settles(signal: AbortSignal, done: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + SETTLE_WAIT_MS;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(SETTLE_POLL_MS, undefined, { signal });
  }
}
