/**
 * pg_stat_statements, bounded: the top `statements.topN` statements by total
 * execution time and the top N by mean time each get their own series, with
 * sticky membership (see stickyMembership.ts); everything else of a database
 * is counted in one `queryid="other"` series (remainderCounter.ts), so the
 * rates of a database's series add up to the rate of all its statements.
 * Per-database totals are exported as well.
 *
 * One query per run (the ranking happens on the server and only the
 * candidates come back), plus one more, only when query text is enabled and
 * new members need their text. Works with PostgreSQL 13 to 18: only calls,
 * rows and total_exec_time are read, which kept their names (total_time
 * before 13); `toplevel` (14+) splits a statement in two rows, summed here.
 *
 * Scheduled (every 30 s), not live: ranking pg_stat_statements costs the
 * server time in proportion to the statements it holds (16-25 ms for 5,000
 * on PostgreSQL 15; see bench/). reset-statements refreshes it at once. The
 * series are counters that move every 30 s: read them with rate() over 2
 * minutes or more.
 *
 * A missing or unloaded extension is one `upkeep_pg_statements_available 0`
 * series and one log line, not a failing collector on every run.
 */
import { errorMessage, type Logger } from '../log.js';
import { counter, gauge } from '../metrics/family.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { databaseFilter } from './databaseFilter.js';
import { RemainderCounters } from './remainderCounter.js';
import { StickyMembership } from './stickyMembership.js';
import { scheduledCollector } from './types.js';
import { perTarget } from './perTarget.js';

const statementLabels = ['target', 'datname', 'user', 'queryid'] as const;

export const statementCalls = counter(
  'upkeep_pg_statement_calls_total',
  'Times the statement was executed (pg_stat_statements.calls); top statements by total and mean time, the rest of each database in queryid="other".',
  statementLabels,
);

export const statementExecSeconds = counter(
  'upkeep_pg_statement_exec_seconds_total',
  'Time spent executing the statement, in seconds (total_exec_time); top statements, the rest of each database in queryid="other".',
  statementLabels,
);

export const statementMeanSeconds = gauge(
  'upkeep_pg_statement_mean_seconds',
  'Mean execution time of the statement since its statistics began, in seconds (top statements only).',
  statementLabels,
);

export const statementRows = counter(
  'upkeep_pg_statement_rows_total',
  'Rows retrieved or affected by the statement; top statements, the rest of each database in queryid="other".',
  statementLabels,
);

export const statementInfo = gauge(
  'upkeep_pg_statement_info',
  'Normalized text of a top statement, truncated (only with statements.queryText: true). The value is always 1.',
  [...statementLabels, 'query'],
);

export const databaseStatementCalls = counter(
  'upkeep_pg_database_statement_calls_total',
  'Statement executions recorded by pg_stat_statements in the database, all statements.',
  ['target', 'datname'],
);

export const databaseStatementExecSeconds = counter(
  'upkeep_pg_database_statement_exec_seconds_total',
  'Statement execution time recorded by pg_stat_statements in the database, all statements, in seconds.',
  ['target', 'datname'],
);

export const databaseStatementRows = counter(
  'upkeep_pg_database_statement_rows_total',
  'Rows retrieved or affected by statements in the database, all statements.',
  ['target', 'datname'],
);

export const statementsAvailable = gauge(
  'upkeep_pg_statements_available',
  '1 when pg_stat_statements can be read on the target, 0 when the extension is not created in the connected database or not in shared_preload_libraries.',
  ['target'],
);

/** The queryid of the aggregate series; real query ids are numbers. */
export const OTHER_QUERYID = 'other';

interface CandidateRow {
  datname: string;
  user: string | null;
  queryid: string | null;
  key: string | null;
  calls: number;
  seconds: number;
  rows: number;
  top: boolean | null;
}

/** Per-target memory between runs: membership, and texts already fetched. */
interface TargetState {
  membership: StickyMembership;
  remainders: RemainderCounters;
  texts: Map<string, string>;
  unavailable: string | undefined;
}

interface Counters {
  calls: number;
  seconds: number;
  rows: number;
}

/** Counters summed per database. */
class Sums {
  private readonly byDatabase = new Map<string, Counters>();

  add(datname: string, row: Counters): void {
    const sums = this.of(datname);
    sums.calls += row.calls;
    sums.seconds += row.seconds;
    sums.rows += row.rows;
    this.byDatabase.set(datname, sums);
  }

  of(datname: string): Counters {
    return this.byDatabase.get(datname) ?? { calls: 0, seconds: 0, rows: 0 };
  }
}

const stateOf = perTarget(
  (target: PostgresTarget): TargetState => ({
    membership: new StickyMembership(target.config.statements.stickyRefreshes),
    remainders: new RemainderCounters(),
    texts: new Map(),
    unavailable: undefined,
  }),
);

/**
 * Candidates (the top N by total time, the top N by mean time, and the
 * current members wherever they rank) and one totals row per database.
 * Statements without a queryid (compute_query_id off) only count in totals,
 * and so do those of dropped databases (one `datname=""` row): a queryid
 * does not include the database, so two dropped databases would otherwise
 * give two series with the same labels.
 */
function candidatesQuery(versionNum: number): string {
  const totalTime = versionNum >= 130000 ? 'total_exec_time' : 'total_time';
  return `
    WITH s AS (
      SELECT dbid, userid, queryid,
             sum(calls)::float8 AS calls, sum(${totalTime})::float8 / 1000 AS seconds, sum(rows)::float8 AS rows
        FROM pg_stat_statements(false)
       GROUP BY dbid, userid, queryid
    ), r AS (
      SELECT s.*, dbid::text || '/' || userid::text || '/' || queryid::text AS key,
             row_number() OVER (ORDER BY queryid IS NULL, seconds DESC, dbid, userid, queryid) AS by_total,
             row_number() OVER (ORDER BY queryid IS NULL, seconds / nullif(calls, 0) DESC NULLS LAST, dbid, userid, queryid) AS by_mean
        FROM s
    )
    SELECT d.datname, pg_get_userbyid(r.userid) AS "user", r.queryid::text AS queryid, r.key,
           r.calls, r.seconds, r.rows, (r.by_total <= $1 OR r.by_mean <= $1) AS top
      FROM r JOIN pg_database d ON d.oid = r.dbid
     WHERE r.queryid IS NOT NULL AND (r.by_total <= $1 OR r.by_mean <= $1 OR r.key = ANY($2::text[]))
    UNION ALL
    SELECT coalesce(d.datname, ''), NULL, NULL, NULL, sum(r.calls), sum(r.seconds), sum(r.rows), NULL
      FROM r LEFT JOIN pg_database d ON d.oid = r.dbid
     GROUP BY 1`;
}

/** The extension is absent (42P01, 42883) or not preloaded (55000): a setup matter, not a failure. */
const UNAVAILABLE_CODES = new Set(['42P01', '42883', '55000']);

function unavailableReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code) ? errorMessage(error) : undefined;
}

async function fetchTexts(target: PostgresTarget, state: TargetState, keys: string[], maxLength: number): Promise<void> {
  const missing = keys.filter((k) => !state.texts.has(k));
  if (missing.length === 0) return;
  const { rows } = await target.query<{ key: string; query: string | null }>(
    `SELECT dbid::text || '/' || userid::text || '/' || queryid::text AS key, left(query, $2) AS query
       FROM pg_stat_statements(true)
      WHERE dbid::text || '/' || userid::text || '/' || queryid::text = ANY($1::text[])`,
    [missing, maxLength * 2],
  );
  for (const row of rows) {
    // Hidden from a role without pg_read_all_stats: remembered as empty so it is not asked again.
    if (row.query === null) {
      state.texts.set(row.key, '');
      continue;
    }
    const oneLine = row.query.replace(/\s+/g, ' ').trim();
    state.texts.set(row.key, oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 1)}…` : oneLine);
  }
}

function reportAvailability(state: TargetState, target: PostgresTarget, log: Logger, problem: string | undefined): void {
  if (problem === state.unavailable) return;
  if (problem === undefined) log.info('statements.available', { target: target.name });
  else log.warn('statements.unavailable', { target: target.name, error: problem, hint: 'CREATE EXTENSION pg_stat_statements in the database the DSN connects to, with pg_stat_statements in shared_preload_libraries' });
  state.unavailable = problem;
}

export const pgStatements = scheduledCollector({
  name: 'pg_statements',
  description: 'pg_stat_statements top-N by total and mean time with sticky membership, "other" per database, per-database totals.',
  mode: 'scheduled',
  targetKind: 'postgres',
  // At :15 and :45, off the minute where the other schedules start.
  defaultSchedule: '15,45 * * * * *',
  defaultTimeoutSeconds: 25,
  families: [
    statementCalls,
    statementExecSeconds,
    statementMeanSeconds,
    statementRows,
    statementInfo,
    databaseStatementCalls,
    databaseStatementExecSeconds,
    databaseStatementRows,
    statementsAvailable,
  ],
  async collect({ target, emit, log }) {
    const settings = target.config.statements;
    const state = stateOf(target);
    const { versionNum } = await target.knownInfo();
    let rows: CandidateRow[];
    try {
      ({ rows } = await target.query<CandidateRow>(candidatesQuery(versionNum), [settings.topN, state.membership.members]));
    } catch (error) {
      const reason = unavailableReason(error);
      if (reason === undefined) throw error;
      reportAvailability(state, target, log, reason);
      emit(statementsAvailable, {}, 0);
      return;
    }
    reportAvailability(state, target, log, undefined);
    emit(statementsAvailable, {}, 1);

    const statements = rows.filter((r): r is CandidateRow & { key: string; queryid: string } => r.key !== null && r.queryid !== null);
    const top = new Set(statements.filter((r) => r.top === true).map((r) => r.key));
    const before = new Set(state.membership.members);
    const members = state.membership.refresh(top, new Set(statements.map((r) => r.key)));
    for (const key of state.texts.keys()) if (!members.has(key)) state.texts.delete(key);
    if (settings.queryText) await fetchTexts(target, state, [...members], settings.queryTextMaxLength);

    const included = databaseFilter(target.config.databases);
    // Per database: the members' counters, and those of statements joining or leaving the top now.
    const memberSums = new Sums();
    const joinedSums = new Sums();
    const leftSums = new Sums();
    for (const r of statements) {
      if (!included(r.datname)) continue;
      if (members.has(r.key) && !before.has(r.key)) joinedSums.add(r.datname, r);
      if (!members.has(r.key) && before.has(r.key)) leftSums.add(r.datname, r);
      if (!members.has(r.key)) continue;
      const labels = { datname: r.datname, user: r.user ?? '', queryid: r.queryid };
      emit(statementCalls, labels, r.calls);
      emit(statementExecSeconds, labels, r.seconds);
      emit(statementRows, labels, r.rows);
      if (r.calls > 0) emit(statementMeanSeconds, labels, r.seconds / r.calls);
      const text = state.texts.get(r.key);
      if (settings.queryText && text) emit(statementInfo, { ...labels, query: text }, 1);
      memberSums.add(r.datname, r);
    }

    const buckets = new Set<string>();
    const remainder = (datname: string, counter: keyof Counters, total: number) => {
      const bucket = `${datname}\u0000${counter}`;
      buckets.add(bucket);
      return state.remainders.next(bucket, total - memberSums.of(datname)[counter], joinedSums.of(datname)[counter], leftSums.of(datname)[counter]);
    };

    for (const db of rows) {
      if (db.key !== null || !included(db.datname)) continue;
      emit(databaseStatementCalls, { datname: db.datname }, db.calls);
      emit(databaseStatementExecSeconds, { datname: db.datname }, db.seconds);
      emit(databaseStatementRows, { datname: db.datname }, db.rows);
      const other = { datname: db.datname, user: '', queryid: OTHER_QUERYID };
      emit(statementCalls, other, remainder(db.datname, 'calls', db.calls));
      emit(statementExecSeconds, other, remainder(db.datname, 'seconds', db.seconds));
      emit(statementRows, other, remainder(db.datname, 'rows', db.rows));
    }
    state.remainders.retainOnly(buckets);
  },
});
