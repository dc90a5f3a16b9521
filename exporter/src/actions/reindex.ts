/**
 * REINDEX … CONCURRENTLY of one index, of every index of one table, or of a
 * whole database: each index is built anew beside the old one and swapped
 * in, while the table stays readable and writable (PostgreSQL 12+; never the
 * plain REINDEX, which blocks writes for the whole build).
 *
 * Before: the free space for the new copies is checked where the data lies
 * (rewriteHeadroom.ts), and invalid indexes already on the table are
 * reported. After a failed or cancelled run, the `_ccnew`/`_ccold` leftovers
 * it created are dropped (invalidIndexes.ts) and the error says so.
 *
 * Refused (422): system catalogs and the pg_toast, pg_catalog and
 * information_schema schemas (REINDEX cannot do them concurrently), and an
 * index backing an exclusion constraint (the server cannot rebuild those
 * concurrently; a table or database run skips them with a warning).
 */
import { z } from 'zod';
import { dropRunLeftovers, findInvalidIndexes, type Cleanup, type IndexScope, type InvalidIndex } from './invalidIndexes.js';
import { indexFootprint, type FootprintScope } from './indexFootprint.js';
import { requireDatabaseReindexPrivilege, requireTablePrivilege } from './maintainPrivilege.js';
import { databaseParam, indexParam, tableParam } from './maintenanceParams.js';
import { ProgressWatch } from './maintenanceProgress.js';
import { requirePrimary, requireVersion } from './maintenanceServer.js';
import { MaintenanceSession } from './maintenanceSession.js';
import {
  DATABASE_STATEMENTS,
  databaseStatement,
  explainFailure,
  MaintenanceCancelled,
  MaintenanceFailure,
  RELATION_STATEMENTS,
  relationStatement,
  untilAborted,
  type StatementSession,
} from './maintenanceStatement.js';
import { displayName, maintenanceScope, resolveDatabase, resolveIndex, resolveTable, type ResolvedIndex, type ResolvedTable } from './relationResolver.js';
import { checkRewriteHeadroom, type HeadroomCheck, type RewriteScope } from './rewriteHeadroom.js';
import { ActionRejection, defineAction, type Json } from './types.js';

const CONCURRENT_REINDEX_VERSION = 120000;
/** REINDEX CONCURRENTLY of a partitioned table or index came with PostgreSQL 14. */
const PARTITIONED_REINDEX_VERSION = 140000;

const params = z
  .strictObject({
    database: databaseParam.optional(),
    table: tableParam('Rebuilds every index of the table (and of its partitions and TOAST table). At most one of table and index; with neither, the whole database (admin only).').optional(),
    index: indexParam('Rebuilds this one index. At most one of table and index.').optional(),
  })
  .refine((p) => p.table === undefined || p.index === undefined, { message: 'give table or index, not both', path: ['index'] });

type ReindexSubject = { kind: 'index'; index: ResolvedIndex } | { kind: 'table'; table: ResolvedTable } | { kind: 'database' };

export interface ReindexPlan {
  database: string;
  subject: ReindexSubject;
  headroom: HeadroomCheck;
}

function describeSubject(subject: ReindexSubject, database: string): string {
  if (subject.kind === 'index') return `index ${displayName(subject.index)}`;
  if (subject.kind === 'table') return `the indexes of ${displayName(subject.table)}`;
  return `database ${database}`;
}

/** The table whose indexes are in play; undefined for the whole database. */
function tableOf(subject: ReindexSubject): ResolvedTable | undefined {
  if (subject.kind === 'index') return subject.index.table;
  return subject.kind === 'table' ? subject.table : undefined;
}

const rewriteScope = (subject: ReindexSubject): RewriteScope =>
  subject.kind === 'index' ? { index: subject.index.oid } : subject.kind === 'table' ? { table: subject.table.oid } : 'database';

/** Leftovers of a rebuilt index sit on its table (or the table's partitions), so that is where to look. */
function invalidScope(subject: ReindexSubject): IndexScope {
  const table = tableOf(subject);
  return table ? { table: table.oid } : 'database';
}

/** By name for an index: the rebuilt one has a new OID. */
const footprintScope = (subject: ReindexSubject): FootprintScope =>
  subject.kind === 'index' ? { index: subject.index } : subject.kind === 'table' ? { table: subject.table.oid } : 'database';

async function buildStatement(session: StatementSession, subject: ReindexSubject): Promise<string> {
  if (subject.kind === 'index') return relationStatement(session, RELATION_STATEMENTS.reindexIndex, subject.index.oid, ['i', 'I']);
  if (subject.kind === 'table') return relationStatement(session, RELATION_STATEMENTS.reindexTable, subject.table.oid, ['r', 'p', 'm']);
  return databaseStatement(session, DATABASE_STATEMENTS.reindex);
}

function describeCleanup(cleanup: Cleanup): string {
  const parts: string[] = [];
  if (cleanup.dropped.length > 0) parts.push(`dropped the invalid index${cleanup.dropped.length > 1 ? 'es' : ''} it left: ${cleanup.dropped.join(', ')}`);
  if (cleanup.failed.length > 0) parts.push(`could not drop ${cleanup.failed.map((f) => `${f.index} (${f.error})`).join(', ')}: drop it with DROP INDEX CONCURRENTLY`);
  return parts.length > 0 ? parts.join('; ') : 'it left no invalid index behind';
}

/** The run's failure, with what the cleanup did added to its message and details. */
function failureAfterCleanup(error: Error, cleanup: Cleanup): Error {
  const message = `${error.message}; ${describeCleanup(cleanup)}`;
  const earlier = error instanceof MaintenanceFailure && error.details && typeof error.details === 'object' && !Array.isArray(error.details) ? error.details : {};
  const details = { ...earlier, cleanup };
  if (error instanceof MaintenanceCancelled) return new MaintenanceCancelled(message, details, { cause: error });
  return new MaintenanceFailure(message, error instanceof MaintenanceFailure ? error.code : 'statement_failed', details, { cause: error });
}

/** What a REINDEX under way records so that its leftovers can be dropped if the exporter dies. */
interface InterruptedReindex {
  [key: string]: Json;
  database: string;
  scope: { table: number } | 'database';
  /** Invalid indexes that existed before: never dropped. */
  before: number[];
  pid: number;
}

function interruptedReindexOf(value: unknown): InterruptedReindex | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const r = value as Record<string, unknown>;
  const scope = r.scope;
  const scopeOk = scope === 'database' || (scope !== null && typeof scope === 'object' && typeof (scope as { table?: unknown }).table === 'number');
  if (typeof r.database !== 'string' || !scopeOk || typeof r.pid !== 'number' || !Array.isArray(r.before) || !r.before.every((o) => typeof o === 'number')) return undefined;
  return { database: r.database, scope: scope as InterruptedReindex['scope'], before: r.before, pid: r.pid };
}

const leftoverJson = (found: readonly InvalidIndex[]): Json => found.map(({ index, table, bytes, reindexLeftover }) => ({ index, table, bytes, reindexLeftover }));

export const reindex = defineAction({
  name: 'reindex',
  title: 'Reindex',
  description:
    'Rebuilds one index, the indexes of one table, or every index of a database with REINDEX CONCURRENTLY: reads and writes go on meanwhile. Needs free space for a second copy of the indexes; cleans up the invalid index a failed run leaves.',
  targetKind: 'postgres',
  params,
  role: 'operator',
  roleEscalations: [{ role: 'admin', reason: 'reindexing a whole database', whenAbsent: ['table', 'index'] }],
  destructive: false,
  supportsDryRun: true,
  refreshes: ['pg_bloat'],

  /**
   * The exporter died during a REINDEX CONCURRENTLY: its backend notices
   * within seconds (client_connection_check_interval, PostgreSQL 14+) and
   * fails, leaving `_ccnew` indexes. Drop those the run created, as a failed
   * run would have.
   */
  async cleanUpInterrupted({ target, jobId, progress, log }) {
    const recovery = interruptedReindexOf(progress?.detail?.recovery);
    if (!recovery) return { dropped: [], note: 'the job had not started its REINDEX' };
    const before = recovery.before.map((oid) => ({ oid, index: '', table: '', bytes: 0, reindexLeftover: true }));
    return dropRunLeftovers({ target, database: recovery.database, jobId, scope: recovery.scope, failedPid: recovery.pid, before, log });
  },

  async prepare({ target, params: p }) {
    const info = await requirePrimary(target);
    requireVersion(info, CONCURRENT_REINDEX_VERSION, 'REINDEX CONCURRENTLY');
    const database = await resolveDatabase(target, p.database);
    let subject: ReindexSubject;
    if (p.index !== undefined) {
      const index = await resolveIndex(target, database, p.index);
      if (index.exclusionConstraint) {
        throw new ActionRejection(422, 'exclusion_constraint', `${displayName(index)} backs an exclusion constraint: PostgreSQL cannot rebuild such an index concurrently`);
      }
      subject = { kind: 'index', index };
    } else if (p.table !== undefined) {
      subject = { kind: 'table', table: await resolveTable(target, database, p.table) };
    } else {
      subject = { kind: 'database' };
    }
    const table = tableOf(subject);
    if (table) {
      if (table.kind === 'partitioned table') requireVersion(info, PARTITIONED_REINDEX_VERSION, 'REINDEX CONCURRENTLY of a partitioned table or index');
      await requireTablePrivilege(target, database, table, 'REINDEX', info);
    } else {
      await requireDatabaseReindexPrivilege(target, database, info);
    }
    const headroom = await checkRewriteHeadroom(target, database, rewriteScope(subject), 'indexes', `REINDEX CONCURRENTLY of ${describeSubject(subject, database)}`);
    return { scope: maintenanceScope(database, table), plan: { database, subject, headroom } };
  },

  async run(ctx) {
    const { target, plan, signal } = ctx;
    const { subject, database } = plan;
    ctx.progress({ phase: 'connecting' });
    const session = await MaintenanceSession.open(target, { database, jobId: ctx.jobId, signal });
    let doing = `reading the indexes of ${describeSubject(subject, database)}`;
    let ran = false;
    let invalidBefore: InvalidIndex[] = [];
    // Saved with the progress once the REINDEX starts: what cleanUpInterrupted
    // needs if the exporter dies under it.
    let recovery: InterruptedReindex | undefined;
    const watch = ProgressWatch.start({
      target,
      database,
      pid: session.pid,
      view: undefined,
      idlePhase: 'preparing',
      report: (p) => ctx.progress({ ...p, detail: { doing, ...p.detail, ...(recovery ? { recovery } : {}) } }),
      log: ctx.log,
    });
    try {
      const statement = await buildStatement(session, subject);
      invalidBefore = await findInvalidIndexes(session, invalidScope(subject));
      const before = await indexFootprint(session, footprintScope(subject));
      const described = { database, subject: describeSubject(subject, database), statement, headroom: plan.headroom, invalidIndexesFound: leftoverJson(invalidBefore) };
      if (ctx.dryRun) return { dryRun: true, ...described, before };

      const started = Date.now();
      doing = statement;
      recovery = { database, scope: invalidScope(subject), before: invalidBefore.map((i) => i.oid), pid: session.pid };
      ctx.progress({ phase: 'reindexing', detail: { doing, recovery } });
      watch.track('create_index', 'reindexing');
      ran = true;
      await untilAborted(signal, session.query(statement), statement);
      const durationMs = Date.now() - started;
      doing = `reading the indexes of ${describeSubject(subject, database)}`;
      watch.track(undefined, 'reading the results');
      const after = await indexFootprint(session, footprintScope(subject));
      return { dryRun: false, ...described, durationMs, before, after, leftoversDropped: [] };
    } catch (error) {
      const failure = explainFailure(error, doing, watch.lastBlockers, signal);
      if (!ran) throw failure;
      await watch.stop();
      // The session goes first: its backend must be gone before DROP INDEX
      // CONCURRENTLY, which would otherwise wait for it.
      await session.close();
      ctx.progress({ phase: 'dropping leftover invalid indexes' });
      const cleanup = await dropRunLeftovers({ target, database, jobId: ctx.jobId, scope: invalidScope(subject), failedPid: session.pid, before: invalidBefore, log: ctx.log });
      throw failureAfterCleanup(failure, cleanup);
    } finally {
      await watch.stop();
      await session.close();
    }
  },
});
