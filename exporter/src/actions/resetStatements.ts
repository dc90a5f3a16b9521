/**
 * Resets pg_stat_statements for the whole server (pg_stat_statements_reset()):
 * every statement's counters are forgotten, so the Queries page starts over,
 * e.g. after a fix, to see the new figures unmixed with the old ones.
 *
 * The extension must be created in the database the target connects to (the
 * one the pg_statements collector reads). Its functions are called qualified
 * with the extension's schema, quoted by the server, so a search_path without
 * that schema does not matter.
 */
import type pg from 'pg';
import { z } from 'zod';
import { MaintenanceSession } from './maintenanceSession.js';
import { ActionRejection, defineAction, type Json, type Prepared } from './types.js';

interface ResetPlan {
  /** The extension's schema, already quoted (format('%I')). */
  schema: string;
  /** pg_stat_statements_info (extension 1.9, PostgreSQL 14) holds the time of the last reset. */
  hasInfo: boolean;
  statements: number;
}

interface ExtensionRow {
  schema: string;
  version: string;
  has_info: boolean;
  may_reset: boolean | null;
}

/** The extension is created but its library is not in shared_preload_libraries. */
const NOT_LOADED = '55000';

/** The target's pool in prepare and dry runs, the job's own session in a real run. */
interface Queryable {
  query<R extends pg.QueryResultRow>(text: string): Promise<pg.QueryResult<R>>;
}

async function countStatements(db: Queryable, schema: string): Promise<number> {
  const { rows } = await db.query<{ statements: number }>(`SELECT count(*)::int AS statements FROM ${schema}.pg_stat_statements(false)`);
  return rows[0]?.statements ?? 0;
}

export const resetStatements = defineAction({
  name: 'reset-statements',
  title: 'Reset statement statistics',
  description: 'Forgets the counters of every statement in pg_stat_statements, on the whole server (pg_stat_statements_reset()). Takes no locks.',
  targetKind: 'postgres',
  params: z.strictObject({}),
  role: 'admin',
  // The history it forgets cannot be had back.
  destructive: true,
  supportsDryRun: true,
  // The statements' series start over at once, not at the collector's next run.
  refreshes: ['pg_statements'],
  async prepare({ target }): Promise<Prepared<ResetPlan>> {
    const { rows } = await target.query<ExtensionRow>(
      `SELECT format('%I', n.nspname) AS schema, e.extversion AS version,
              to_regclass(format('%I.pg_stat_statements_info', n.nspname)) IS NOT NULL AS has_info,
              bool_or(has_function_privilege(p.oid, 'EXECUTE')) AS may_reset
         FROM pg_extension e
         JOIN pg_namespace n ON n.oid = e.extnamespace
         LEFT JOIN pg_proc p ON p.proname = 'pg_stat_statements_reset' AND p.pronamespace = e.extnamespace
        WHERE e.extname = 'pg_stat_statements'
        GROUP BY n.nspname, e.extversion`,
    );
    const extension = rows[0];
    const database = target.info?.database ?? 'the target\'s database';
    if (!extension) {
      throw new ActionRejection(422, 'extension_missing', `pg_stat_statements is not created in ${database}`, {
        hint: 'CREATE EXTENSION pg_stat_statements in the database the target connects to, with pg_stat_statements in shared_preload_libraries',
      });
    }
    if (extension.may_reset !== true) {
      throw new ActionRejection(422, 'not_permitted', `the exporter's role may not execute pg_stat_statements_reset() in ${database}`, {
        hint: 'GRANT EXECUTE ON FUNCTION pg_stat_statements_reset to the role the target connects as (only superusers may by default)',
      });
    }
    let statements: number;
    try {
      statements = await countStatements(target, extension.schema);
    } catch (error) {
      if ((error as { code?: unknown }).code !== NOT_LOADED) throw error;
      throw new ActionRejection(422, 'extension_not_loaded', 'pg_stat_statements is created but not loaded: it must be in shared_preload_libraries (a restart is needed)', {
        version: extension.version,
      });
    }
    return { scope: 'statements', plan: { schema: extension.schema, hasInfo: extension.has_info, statements } };
  },
  async run(ctx): Promise<Json> {
    const { target, plan, dryRun, jobId, signal } = ctx;
    if (dryRun) {
      const statements = await countStatements(target, plan.schema);
      return { dryRun: true, statementsToForget: statements, statsSince: plan.hasInfo ? await lastReset(target, plan.schema) : null };
    }
    const session = await MaintenanceSession.open(target, { jobId, signal });
    try {
      ctx.progress({ phase: 'counting statements' });
      const before = await countStatements(session, plan.schema);
      ctx.progress({ phase: 'resetting', detail: { statements: before } });
      const { rows } = await session.query<{ at: Date }>(`SELECT clock_timestamp() AS at, ${plan.schema}.pg_stat_statements_reset()`);
      const resetAt = plan.hasInfo ? await lastReset(session, plan.schema) : (rows[0]?.at.toISOString() ?? null);
      const after = await countStatements(session, plan.schema);
      return { statementsBefore: before, statementsAfter: after, resetAt };
    } finally {
      await session.close();
    }
  },
});

async function lastReset(db: Queryable, schema: string): Promise<string | null> {
  const { rows } = await db.query<{ stats_reset: Date | null }>(`SELECT stats_reset FROM ${schema}.pg_stat_statements_info`);
  return rows[0]?.stats_reset?.toISOString() ?? null;
}
