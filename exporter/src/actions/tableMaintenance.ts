/**
 * What vacuum and analyze share: prepare resolves the database and table
 * and checks the role may maintain it; run opens the job's session, has the
 * server build the statements from the table's OID, reads the table's
 * figures, runs the statements one by one while polling their progress,
 * and reads the figures again.
 */
import type { PostgresTarget } from '../targets/postgres.js';
import { requireTablePrivilege } from './maintainPrivilege.js';
import { ProgressWatch, type DatabaseSweep, type ProgressView } from './maintenanceProgress.js';
import { requirePrimary, requireVersion } from './maintenanceServer.js';
import { MaintenanceSession } from './maintenanceSession.js';
import {
  DATABASE_STATEMENTS,
  databaseStatement,
  explainFailure,
  RELATION_STATEMENTS,
  relationStatement,
  untilAborted,
  type DatabaseStatement,
  type RelationStatement,
} from './maintenanceStatement.js';
import { databaseFacts, serverNow, tableFacts, sweptSinceQuery, sweptTableCount, tablesNotReached, type SweepMark } from './relationFacts.js';
import { displayName, maintenanceScope, resolveDatabase, resolveTable, type ResolvedTable } from './relationResolver.js';
import { checkRewriteHeadroom, type HeadroomCheck } from './rewriteHeadroom.js';
import type { Json, Prepared, RunContext } from './types.js';

export type TableCommand = 'vacuum' | 'vacuum full' | 'analyze';

interface Step {
  table: RelationStatement;
  database: DatabaseStatement;
  view: ProgressView | undefined;
  idlePhase: string;
  /** Sets last_vacuum / last_analyze on each table it finishes, so a database-wide run can count them. */
  marksTables: boolean;
}

const vacuumStep: Step = { table: RELATION_STATEMENTS.vacuum, database: DATABASE_STATEMENTS.vacuum, view: 'vacuum', idlePhase: 'vacuuming', marksTables: true };

/** pg_stat_progress_analyze exists since PostgreSQL 13; before, an analyze reports no phases. */
const ANALYZE_PROGRESS_VERSION = 130000;

function stepsOf(command: TableCommand, versionNum: number): Step[] {
  switch (command) {
    case 'vacuum':
      return [vacuumStep];
    case 'vacuum full':
      return [
        { table: RELATION_STATEMENTS.vacuumFull, database: DATABASE_STATEMENTS.vacuumFull, view: 'cluster', idlePhase: 'rewriting', marksTables: false },
        // VACUUM FULL reports nothing to the statistics (n_dead_tup and
        // last_vacuum keep their old values, dashboards and alerts would
        // still show the dead rows) and leaves the visibility map empty
        // (index-only scans visit the heap again). A plain VACUUM of the
        // freshly written table sets both and is quick.
        vacuumStep,
      ];
    case 'analyze':
      return [
        {
          table: RELATION_STATEMENTS.analyze,
          database: DATABASE_STATEMENTS.analyze,
          view: versionNum >= ANALYZE_PROGRESS_VERSION ? 'analyze' : undefined,
          idlePhase: 'analyzing',
          marksTables: true,
        },
      ];
  }
}

const COMMAND_SQL: Readonly<Record<TableCommand, 'VACUUM' | 'ANALYZE'>> = { vacuum: 'VACUUM', 'vacuum full': 'VACUUM', analyze: 'ANALYZE' };
const SWEEP_MARK: Readonly<Record<TableCommand, SweepMark>> = { vacuum: 'last_vacuum', 'vacuum full': 'last_vacuum', analyze: 'last_analyze' };

export interface TableMaintenancePlan {
  command: TableCommand;
  versionNum: number;
  database: string;
  /** Undefined: the whole database. */
  table: ResolvedTable | undefined;
  /** VACUUM FULL only: the room to write the largest table anew. */
  headroom: HeadroomCheck | undefined;
}

/**
 * Everything short of running: the server is a primary of PostgreSQL 12+
 * (SKIP_LOCKED), the database and table exist, the role may maintain the
 * table, and a VACUUM FULL has room to rewrite it.
 */
export async function prepareTableMaintenance(
  target: PostgresTarget,
  command: TableCommand,
  params: { database?: string | undefined; table?: string | undefined },
): Promise<Prepared<TableMaintenancePlan>> {
  const info = await requirePrimary(target);
  requireVersion(info, 120000, `${COMMAND_SQL[command]} from Upkeep`);
  const database = await resolveDatabase(target, params.database);
  const table = params.table === undefined ? undefined : await resolveTable(target, database, params.table);
  if (table) await requireTablePrivilege(target, database, table, COMMAND_SQL[command], info);
  const headroom =
    command === 'vacuum full'
      ? await checkRewriteHeadroom(target, database, table ? { table: table.oid } : 'database', 'tables', `VACUUM FULL of ${table ? displayName(table) : `database ${database}`}`)
      : undefined;
  return { scope: maintenanceScope(database, table), plan: { command, versionNum: info.versionNum, database, table, headroom } };
}

export async function runTableMaintenance(ctx: RunContext<'postgres', TableMaintenancePlan>): Promise<Json> {
  const { target, plan, signal } = ctx;
  const table = plan.table;
  const subject = table ? displayName(table) : `database ${plan.database}`;
  ctx.progress({ phase: 'connecting' });
  const session = await MaintenanceSession.open(target, { database: plan.database, jobId: ctx.jobId, signal });
  // What the session is doing, for progress and for the error if it fails:
  // even reading a table's size waits for a lock someone holds on it.
  let doing = `reading the figures of ${subject}`;
  const watch = ProgressWatch.start({
    target,
    database: plan.database,
    pid: session.pid,
    view: undefined,
    idlePhase: 'preparing',
    report: (p) => ctx.progress({ ...p, detail: { doing, ...p.detail } }),
    log: ctx.log,
  });
  const readFacts = () => (table ? tableFacts(session, table.oid) : databaseFacts(session));
  try {
    const steps = stepsOf(plan.command, plan.versionNum);
    const statements: string[] = [];
    for (const step of steps) {
      statements.push(table ? await relationStatement(session, step.table, table.oid, ['r', 'p', 'm']) : await databaseStatement(session, step.database));
    }
    const before = await readFacts();
    const described = {
      database: plan.database,
      table: table ? displayName(table) : null,
      statements,
      ...(plan.headroom ? { headroom: plan.headroom } : {}),
    };
    if (ctx.dryRun) return { dryRun: true, ...described, before };

    const mark = SWEEP_MARK[plan.command];
    const since = await serverNow(session);
    const sweep: DatabaseSweep | undefined = table
      ? undefined
      : {
          total: await sweptTableCount(session, mark),
          countDone: async () => (await target.queryDatabase<{ count: number }>(plan.database, sweptSinceQuery(mark), [since])).rows[0]?.count ?? 0,
        };
    const started = Date.now();
    for (const [i, step] of steps.entries()) {
      doing = statements[i]!;
      watch.track(step.view, step.idlePhase, step.marksTables ? sweep : undefined);
      await untilAborted(signal, session.query(doing), `${doing} (${subject})`);
    }
    const durationMs = Date.now() - started;
    doing = `reading the figures of ${subject}`;
    watch.track(undefined, 'reading the results', undefined);
    const after = await readFacts();
    const notReached = table ? undefined : await tablesNotReached(session, mark, since);
    return { dryRun: false, ...described, durationMs, before, after, ...(notReached ? { notReached } : {}) };
  } catch (error) {
    throw explainFailure(error, doing, watch.lastBlockers, signal);
  } finally {
    await watch.stop();
    await session.close();
  }
}
