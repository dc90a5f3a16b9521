/**
 * The sessions an on-call engineer may want to cancel or terminate: client
 * backends running a query, or sitting in a transaction, for at least a
 * given time, longest first. Each row carries what `cancel-query` and
 * `terminate-backend` need to name it (pid and query_start to the
 * microsecond), the locks it waits on, and whether a job of Upkeep's own
 * runs there (cancel the job instead).
 *
 * Query text is sensitive: unlike pg_stat_statements' text it is not
 * normalized, so it carries the literals (an e-mail address, a password in
 * ALTER ROLE). It is shown only when the caller may see it (the HTTP layer
 * decides: operators and admins) and the target's `statements.queryText` is
 * on, cut to `statements.queryTextMaxLength` characters.
 */
import type { PostgresTarget } from '../targets/postgres.js';
import { APPLICATION_NAME } from '../targets/postgres.js';
import { jobApplicationName } from '../actions/maintenanceSession.js';

export const MAX_SESSIONS = 200;

export interface ListedSession {
  pid: number;
  database: string | null;
  user: string | null;
  applicationName: string | null;
  clientAddr: string | null;
  state: string | null;
  /** UTC with microseconds: pass it as `queryStart` to cancel-query or terminate-backend. */
  queryStart: string | null;
  /** How long the current (or last) query has run. */
  queryAgeSeconds: number | null;
  /** How long the open transaction has run; null outside a transaction. */
  transactionAgeSeconds: number | null;
  /** Since the state last changed: for an idle-in-transaction session, how long it has been idle. */
  stateAgeSeconds: number | null;
  waitEventType: string | null;
  waitEvent: string | null;
  /** Sessions holding the locks this one waits for. */
  blockedBy: number[];
  /** The Upkeep job running in this session, if any: cancel it through the job instead. */
  upkeepJobId: string | null;
  /** Only for operators and admins, and with `statements.queryText: true`; null otherwise. */
  query: string | null;
}

export interface SessionListing {
  sessions: ListedSession[];
  queryTextShown: boolean;
  /** More sessions matched than were returned. */
  truncated: boolean;
}

interface SessionRow {
  pid: number;
  database: string | null;
  user: string | null;
  application_name: string | null;
  client_addr: string | null;
  state: string | null;
  query_start: string | null;
  query_age: number | null;
  transaction_age: number | null;
  state_age: number | null;
  wait_event_type: string | null;
  wait_event: string | null;
  blocked_by: number[];
  query: string | null;
}

// $1 the minimum age in seconds, $2 the exporter's own application_name, $3 how
// many rows, $4 how much query text (0: none). Idle sessions
// are left out: there is nothing of theirs to cancel, and they are most of a pool.
const SESSIONS_SQL = `
  SELECT a.pid, a.datname AS database, a.usename AS "user", a.application_name, host(a.client_addr) AS client_addr, a.state,
         to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS query_start,
         extract(epoch FROM now() - a.query_start)::float8 AS query_age,
         extract(epoch FROM now() - a.xact_start)::float8 AS transaction_age,
         extract(epoch FROM now() - a.state_change)::float8 AS state_age,
         a.wait_event_type, a.wait_event,
         CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) ELSE '{}'::int[] END AS blocked_by,
         CASE WHEN $4::int > 0 THEN left(a.query, $4::int) END AS query
    FROM pg_stat_activity a
   WHERE a.backend_type = 'client backend'
     AND a.pid <> pg_backend_pid()
     AND a.application_name IS DISTINCT FROM $2
     AND a.state IS DISTINCT FROM 'idle'
     AND greatest(extract(epoch FROM now() - a.query_start), extract(epoch FROM now() - a.xact_start)) >= $1
   ORDER BY greatest(now() - a.query_start, now() - a.xact_start) DESC NULLS LAST, a.pid
   LIMIT $3`;

export interface SessionListingOptions {
  minAgeSeconds: number;
  limit: number;
  /** The caller may see query text; it is shown only if the target's statements.queryText allows it too. */
  queryText: boolean;
}

export async function listSessions(target: PostgresTarget, { minAgeSeconds, limit, queryText }: SessionListingOptions): Promise<SessionListing> {
  const statements = target.config.statements;
  const textChars = queryText && statements.queryText ? statements.queryTextMaxLength : 0;
  const jobPrefix = jobApplicationName('');
  const { rows } = await target.query<SessionRow>(SESSIONS_SQL, [minAgeSeconds, APPLICATION_NAME, limit + 1, textChars]);
  const sessions = rows.slice(0, limit).map(
    (row): ListedSession => ({
      pid: row.pid,
      database: row.database,
      user: row.user,
      applicationName: row.application_name,
      clientAddr: row.client_addr,
      state: row.state,
      queryStart: row.query_start,
      queryAgeSeconds: row.query_age,
      transactionAgeSeconds: row.transaction_age,
      stateAgeSeconds: row.state_age,
      waitEventType: row.wait_event_type,
      waitEvent: row.wait_event,
      blockedBy: row.blocked_by,
      upkeepJobId: row.application_name?.startsWith(jobPrefix) ? row.application_name.slice(jobPrefix.length) : null,
      query: row.query,
    }),
  );
  return { sessions, queryTextShown: textChars > 0, truncated: rows.length > limit };
}
