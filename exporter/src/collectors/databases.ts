/**
 * The databases of a server that per-database collectors visit: those that
 * accept connections, pass the target's include/exclude filter and that the
 * exporter's role may connect to. One catalog query.
 */
import { errorMessage, type Logger } from '../log.js';
import { gauge } from '../metrics/family.js';
import { TroubleLog } from '../troubleLog.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { databaseFilter } from './databaseFilter.js';
import type { Emit } from './types.js';
import { perTarget } from './perTarget.js';

export async function databasesToVisit(target: PostgresTarget): Promise<string[]> {
  const { rows } = await target.query<{ datname: string }>(
    `SELECT datname FROM pg_database
      WHERE datallowconn AND NOT datistemplate AND has_database_privilege(oid, 'CONNECT')
      ORDER BY datname`,
  );
  const included = databaseFilter(target.config.databases);
  return rows.map((r) => r.datname).filter(included);
}

/** SQL state of "database does not exist": it was dropped between listing and connecting. */
const INVALID_CATALOG_NAME = '3D000';

export const databaseVisitSuccess = gauge(
  'upkeep_pg_database_visit_success',
  'Whether the collector could read this database on its last run (1) or not (0: connection refused, connection limit, permission); one unreachable database does not fail the others.',
  ['target', 'collector', 'datname'],
);

/** Per target: each collector's trouble with each database, logged when it starts and ends. */
const troubleOf = perTarget((_target: PostgresTarget) => new TroubleLog({ started: 'database.unreadable', ended: 'database.readable_again' }));

function recordVisit(target: PostgresTarget, collector: string, datname: string, log: Logger, error: unknown): void {
  // The SQLSTATE (53300 too many connections, 28000 pg_hba, …) is the reason; the message may carry details that vary.
  const code = (error as { code?: unknown } | undefined)?.code;
  const trouble = error === undefined ? undefined : { reason: typeof code === 'string' ? code : errorMessage(error), message: errorMessage(error) };
  troubleOf(target).record(log, `${collector}\u0000${datname}`, { datname }, trouble);
}

export interface DatabaseVisit {
  collector: string;
  emit: Emit;
  signal: AbortSignal;
  log: Logger;
}

/**
 * Runs `visit` for every database to visit, `maxConnections` at a time. Once
 * the run is aborted (its time is up) no further database is started.
 *
 * Each database stands alone: one that refuses the exporter (connection
 * limit, pg_hba, a failing statement) gets `upkeep_pg_database_visit_success
 * 0` and a log line when that starts, and the others are still reported. The
 * run fails only when no database could be read; a database dropped in the
 * meantime is simply skipped.
 */
export async function forEachDatabase(target: PostgresTarget, run: DatabaseVisit, visit: (datname: string) => Promise<void>): Promise<void> {
  // A scheduled run at start-up may come before any scrape's probe: knowing the
  // DSN's database lets its visit use the main pool instead of another connection.
  await target.knownInfo();
  const queue = await databasesToVisit(target);
  const failures: unknown[] = [];
  let visited = 0;
  const visitOne = async (datname: string) => {
    try {
      await visit(datname);
      visited += 1;
      run.emit(databaseVisitSuccess, { collector: run.collector, datname }, 1);
      recordVisit(target, run.collector, datname, run.log, undefined);
    } catch (error) {
      if ((error as { code?: unknown }).code === INVALID_CATALOG_NAME || run.signal.aborted) return;
      failures.push(error);
      run.emit(databaseVisitSuccess, { collector: run.collector, datname }, 0);
      recordVisit(target, run.collector, datname, run.log, error);
    }
  };
  const worker = async () => {
    for (let datname = queue.shift(); datname !== undefined && !run.signal.aborted; datname = queue.shift()) await visitOne(datname);
  };
  await Promise.all(Array.from({ length: Math.min(target.config.maxConnections, queue.length) }, worker));
  if (visited === 0 && failures.length > 0) throw failures[0];
}
