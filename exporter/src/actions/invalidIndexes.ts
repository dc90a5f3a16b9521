/**
 * The invalid indexes REINDEX CONCURRENTLY leaves behind when it fails or
 * is cancelled part-way. It builds a transient copy `<index>_ccnew`, swaps
 * it in and drops the old one, renamed `<index>_ccold`; interrupted, one of
 * them stays, marked invalid (a digit is appended when the name is taken:
 * `_ccnew1`). Both are garbage — `_ccnew` an unfinished copy, `_ccold` the
 * replaced original — that still costs every write to the table, and
 * REINDEX CONCURRENTLY skips invalid indexes, so nothing ever removes them.
 *
 * The reindex action lists them before it runs (found, not touched: they
 * predate the job and may be someone else's business) and, after a failed
 * or cancelled run, drops the ones that run left, with DROP INDEX
 * CONCURRENTLY on a session of its own.
 */
import type { Logger } from '../log.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { MaintenanceSession } from './maintenanceSession.js';
import { RELATION_STATEMENTS, relationStatement, untilAborted, type StatementSession } from './maintenanceStatement.js';
import type { Json } from './types.js';

export interface InvalidIndex {
  [key: string]: Json;
  oid: number;
  /** schema.name */
  index: string;
  table: string;
  bytes: number;
  /** Named like REINDEX CONCURRENTLY's transient indexes. */
  reindexLeftover: boolean;
}

/** `_ccnew`, `_ccold`, `_ccnew2`: the suffixes REINDEX CONCURRENTLY gives its transient indexes. */
const LEFTOVER_NAME = '_cc(new|old)[0-9]*$';

/** Where to look: one table (with its partitions and TOAST tables) or the whole database. */
export type IndexScope = { table: number } | 'database';

const SCOPED_TABLES = `
  WITH tree AS (SELECT $1::oid AS relid UNION SELECT relid FROM pg_partition_tree($1::oid::regclass)),
       tables AS (SELECT relid FROM tree UNION SELECT c.reltoastrelid FROM tree JOIN pg_class c ON c.oid = tree.relid WHERE c.reltoastrelid <> 0)`;

function invalidIndexQuery(scope: IndexScope): { text: string; values: unknown[] } {
  const inScope = scope === 'database' ? '' : 'AND i.indrelid IN (SELECT relid FROM tables)';
  return {
    text: `${scope === 'database' ? '' : SCOPED_TABLES}
      SELECT i.indexrelid AS oid, n.nspname || '.' || c.relname AS index, tn.nspname || '.' || t.relname AS table,
             pg_relation_size(i.indexrelid)::float8 AS bytes, c.relname ~ '${LEFTOVER_NAME}' AS leftover,
             -- a concurrent build under way on the table (another session's REINDEX) is not a leftover yet
             EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
                      WHERE p.relid = i.indrelid AND p.datid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS building
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
       WHERE NOT i.indisvalid ${inScope}
       ORDER BY 2`,
    values: scope === 'database' ? [] : [scope.table],
  };
}

interface InvalidRow {
  oid: number;
  index: string;
  table: string;
  bytes: number;
  leftover: boolean;
  building: boolean;
}

export interface FoundInvalidIndex extends InvalidIndex {
  buildUnderWay: boolean;
}

export async function findInvalidIndexes(session: StatementSession, scope: IndexScope): Promise<FoundInvalidIndex[]> {
  const { text, values } = invalidIndexQuery(scope);
  const { rows } = await session.query<InvalidRow>(text, values);
  return rows.map((r) => ({ oid: r.oid, index: r.index, table: r.table, bytes: r.bytes, reindexLeftover: r.leftover, buildUnderWay: r.building }));
}

export interface Cleanup {
  [key: string]: Json;
  dropped: string[];
  failed: { index: string; error: string }[];
}

/** Dropping a few leftovers takes a second; the bound keeps a hung cleanup from holding the job forever. */
export const CLEANUP_BUDGET_MS = 30_000;
/** How long to wait for the failed job's backend to be gone: DROP INDEX CONCURRENTLY would queue behind its locks. */
const BACKEND_EXIT_WAIT_MS = 5000;

async function waitForBackendExit(target: PostgresTarget, pid: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + BACKEND_EXIT_WAIT_MS;
  while (Date.now() < deadline && !signal.aborted) {
    const { rows } = await target.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (rows.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface LeftoverCleanup {
  target: PostgresTarget;
  database: string;
  jobId: string;
  scope: IndexScope;
  /** The failed statement's backend: cleanup starts once it has exited. */
  failedPid: number;
  /** Invalid indexes that existed before the run: never dropped here. */
  before: readonly InvalidIndex[];
  log: Logger;
}

/**
 * Drops the `_ccnew`/`_ccold` leftovers the failed run created, on a fresh
 * session with a fresh signal (the job's own is aborted when it was
 * cancelled) and within CLEANUP_BUDGET_MS. Never throws: what could not be
 * dropped is reported with the reason.
 */
export async function dropRunLeftovers(options: LeftoverCleanup): Promise<Cleanup> {
  const cleanup: Cleanup = { dropped: [], failed: [] };
  const signal = AbortSignal.timeout(CLEANUP_BUDGET_MS);
  let session: MaintenanceSession | undefined;
  try {
    await waitForBackendExit(options.target, options.failedPid, signal);
    session = await MaintenanceSession.open(options.target, { database: options.database, jobId: options.jobId, signal });
    const open = session;
    const existed = new Set(options.before.map((b) => b.oid));
    const found = await findInvalidIndexes(open, options.scope);
    for (const index of found.filter((f) => f.reindexLeftover && !f.buildUnderWay && !existed.has(f.oid))) {
      try {
        // Partitioned indexes (relkind I) have no storage to leave behind: only plain ones are dropped.
        const statement = await relationStatement(open, RELATION_STATEMENTS.dropIndex, index.oid, ['i']);
        await untilAborted(signal, open.query(statement), statement);
        cleanup.dropped.push(index.index);
      } catch (error) {
        cleanup.failed.push({ index: index.index, error: error instanceof Error ? error.message : String(error) });
      }
    }
  } catch (error) {
    options.log.warn('reindex.cleanup_failed', { database: options.database, error });
    cleanup.failed.push({ index: '(cleanup)', error: error instanceof Error ? error.message : String(error) });
  } finally {
    await session?.close();
  }
  return cleanup;
}
