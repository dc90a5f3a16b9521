/**
 * Client sessions from pg_stat_activity: how many in each state, and the
 * three that page someone: the longest-running query, the longest idle
 * transaction (it holds locks and stops VACUUM from cleaning up) and sessions
 * blocked on a lock. One query per scrape.
 *
 * The exporter's own monitoring sessions (application_name `upkeep`, in any
 * database it reads) are left out: they would count themselves as active.
 * Maintenance jobs must therefore run under another application_name.
 */
import { gauge } from '../metrics/family.js';
import { APPLICATION_NAME } from '../targets/postgres.js';
import { databaseFilter } from './databaseFilter.js';
import { liveCollector } from './types.js';

export const sessions = gauge(
  'upkeep_pg_sessions',
  'Client sessions per database and state (active, idle, idle in transaction, …), from pg_stat_activity; the exporter\'s own monitoring sessions (application_name upkeep) are not counted.',
  ['target', 'datname', 'state'],
);

export const longestQuery = gauge(
  'upkeep_pg_longest_query_seconds',
  'How long the longest-running active query has been running; 0 when none is running.',
  ['target'],
);

export const longestTransaction = gauge(
  'upkeep_pg_longest_transaction_seconds',
  'Age of the oldest open transaction of a client session; old transactions hold back VACUUM.',
  ['target'],
);

export const idleInTransactionLongest = gauge(
  'upkeep_pg_idle_in_transaction_longest_seconds',
  'How long the longest idle-in-transaction session has been idle (since its last statement ended); 0 when none.',
  ['target'],
);

export const blockedSessions = gauge(
  'upkeep_pg_blocked_sessions',
  'Sessions waiting for a lock held by another session (pg_blocking_pids not empty).',
  ['target'],
);

/** Always exported per database with sessions, so a state that empties reads 0 instead of vanishing. */
const USUAL_STATES = ['active', 'idle', 'idle in transaction'];

interface SessionsRow {
  states: { datname: string; state: string; sessions: number }[];
  longest_query: number | null;
  longest_transaction: number | null;
  longest_idle_in_transaction: number | null;
  blocked: number;
}

// pg_blocking_pids takes the lock manager's locks briefly, so it is only
// called for sessions that wait on a lock at all.
const SESSIONS_QUERY = `
  WITH a AS (
    SELECT coalesce(datname, '') AS datname, coalesce(state, 'unknown') AS state, query_start, xact_start, state_change, wait_event_type, pid
      FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND application_name IS DISTINCT FROM $1
  )
  SELECT
    (SELECT coalesce(json_agg(json_build_object('datname', datname, 'state', state, 'sessions', n)), '[]')
       FROM (SELECT datname, state, count(*) AS n FROM a GROUP BY datname, state) g) AS states,
    (SELECT max(extract(epoch FROM now() - query_start))::float8 FROM a WHERE state = 'active') AS longest_query,
    (SELECT max(extract(epoch FROM now() - xact_start))::float8 FROM a) AS longest_transaction,
    (SELECT max(extract(epoch FROM now() - state_change))::float8 FROM a
      WHERE state IN ('idle in transaction', 'idle in transaction (aborted)')) AS longest_idle_in_transaction,
    (SELECT count(*)::float8 FROM a
      WHERE CASE WHEN wait_event_type = 'Lock' THEN cardinality(pg_blocking_pids(pid)) > 0 ELSE false END) AS blocked`;

export const pgSessions = liveCollector({
  name: 'pg_sessions',
  description: 'Sessions per state, longest query and transaction, idle-in-transaction and blocked sessions.',
  mode: 'live',
  targetKind: 'postgres',
  families: [sessions, longestQuery, longestTransaction, idleInTransactionLongest, blockedSessions],
  async collect({ target, emit }) {
    const { rows } = await target.query<SessionsRow>(SESSIONS_QUERY, [APPLICATION_NAME]);
    const row = rows[0];
    if (!row) throw new Error('sessions query returned no row');
    const included = databaseFilter(target.config.databases);
    const counts = new Map<string, Map<string, number>>();
    for (const { datname, state, sessions: n } of row.states) {
      if (datname !== '' && !included(datname)) continue;
      let byState = counts.get(datname);
      if (!byState) {
        byState = new Map(USUAL_STATES.map((s) => [s, 0]));
        counts.set(datname, byState);
      }
      byState.set(state, n);
    }
    for (const [datname, byState] of counts) {
      for (const [state, n] of byState) emit(sessions, { datname, state }, n);
    }
    // Clocks of client and server may differ by a little: never negative.
    emit(longestQuery, {}, Math.max(0, row.longest_query ?? 0));
    emit(longestTransaction, {}, Math.max(0, row.longest_transaction ?? 0));
    emit(idleInTransactionLongest, {}, Math.max(0, row.longest_idle_in_transaction ?? 0));
    emit(blockedSessions, {}, row.blocked);
  },
});
