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
