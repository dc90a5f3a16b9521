/**
 * The database time an exporter's own statements cost, read from
 * pg_stat_statements for its login role (every database of the server):
 * execution plus planning time (the bench turns track_planning on). Failed
 * statements are not recorded there, so a failing collector looks cheaper
 * than it is; the report shows failures next to this figure.
 */
import { queryOnce } from '../../../test/harness/postgresCluster.js';

export interface DbTime {
  calls: number;
  execMs: number;
  planMs: number;
}

/** Forgets what `role` has run so far, so the next read covers only what follows. */
export async function resetStatements(adminDsn: string, role: string): Promise<void> {
  await queryOnce(adminDsn, `SELECT pg_stat_statements_reset(userid => $1::regrole::oid)`, [role]);
}

export async function readStatements(adminDsn: string, role: string): Promise<DbTime> {
  const [row] = await queryOnce<{ calls: number; exec_ms: number; plan_ms: number }>(
    adminDsn,
    `SELECT coalesce(sum(calls), 0)::float8 AS calls,
            coalesce(sum(total_exec_time), 0)::float8 AS exec_ms,
            coalesce(sum(total_plan_time), 0)::float8 AS plan_ms
       FROM pg_stat_statements WHERE userid = $1::regrole`,
    [role],
  );
  return { calls: row?.calls ?? 0, execMs: row?.exec_ms ?? 0, planMs: row?.plan_ms ?? 0 };
}

/**
 * The database time of a window of sequential scrapes, split by how often
 * each statement ran. A statement of the scrape path runs on every scrape
 * (once per scrape, or once per database per scrape), so its calls are at
 * least the number of scrapes. Anything that ran on fewer than half of them
 * is occasional: a scheduled collector's run that fell inside the window, or
 * a periodic check. Only the first counts as database time per scrape.
 */
export interface ScrapeWindowDbTime {
  everyScrape: DbTime;
  occasional: DbTime & { statements: number };
}

export async function readScrapeWindow(adminDsn: string, role: string, scrapes: number): Promise<ScrapeWindowDbTime> {
  const rows = await queryOnce<{ every_scrape: boolean; statements: number; calls: number; exec_ms: number; plan_ms: number }>(
    adminDsn,
    `SELECT calls >= $2 AS every_scrape, count(*)::int AS statements, sum(calls)::float8 AS calls,
            sum(total_exec_time)::float8 AS exec_ms, sum(total_plan_time)::float8 AS plan_ms
       FROM pg_stat_statements WHERE userid = $1::regrole
      GROUP BY 1`,
    [role, Math.ceil(scrapes / 2)],
  );
  const part = (every: boolean) => {
    const row = rows.find((r) => r.every_scrape === every);
    return { statements: row?.statements ?? 0, calls: row?.calls ?? 0, execMs: row?.exec_ms ?? 0, planMs: row?.plan_ms ?? 0 };
  };
  return { everyScrape: part(true), occasional: part(false) };
}

export function addScrapeWindows(a: ScrapeWindowDbTime, b: ScrapeWindowDbTime): ScrapeWindowDbTime {
  const add = (x: DbTime, y: DbTime): DbTime => ({ calls: x.calls + y.calls, execMs: x.execMs + y.execMs, planMs: x.planMs + y.planMs });
  return {
    everyScrape: add(a.everyScrape, b.everyScrape),
    occasional: { ...add(a.occasional, b.occasional), statements: a.occasional.statements + b.occasional.statements },
  };
}

export function totalMs(t: DbTime): number {
  return t.execMs + t.planMs;
}

export interface StatementCost {
  /** Normalized text, whitespace collapsed. */
  query: string;
  /** The database it ran in: per-database collectors run the same text in each. */
  database: string;
  calls: number;
  totalMs: number;
}

/** The role's statements by execution + planning time, costliest first: where its database time goes. */
export async function costliestStatements(adminDsn: string, role: string, limit: number): Promise<StatementCost[]> {
  const rows = await queryOnce<{ query: string; database: string | null; calls: number; total_ms: number }>(
    adminDsn,
    `SELECT regexp_replace(s.query, '\\s+', ' ', 'g') AS query, d.datname AS database, s.calls::float8 AS calls,
            (s.total_exec_time + s.total_plan_time)::float8 AS total_ms
       FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid
      WHERE s.userid = $1::regrole
      ORDER BY total_ms DESC LIMIT $2`,
    [role, limit],
  );
  return rows.map((r) => ({ query: r.query, database: r.database ?? '?', calls: r.calls, totalMs: r.total_ms }));
}
