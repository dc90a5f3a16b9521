/**
 * The databases of a server that per-database collectors visit: those that
 * accept connections, pass the target's include/exclude filter and that the
 * exporter's role may connect to. One catalog query.
 */
import type { PostgresTarget } from '../targets/postgres.js';
import { databaseFilter } from './databaseFilter.js';

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

/**
 * Runs `visit` for every database to visit, `maxConnections` at a time. Once
 * the run is aborted (its time is up) no further database is started. A
 * database dropped in the meantime is skipped; any other failure fails the
 * whole run.
 */
export async function forEachDatabase(target: PostgresTarget, signal: AbortSignal, visit: (datname: string) => Promise<void>): Promise<void> {
  const queue = await databasesToVisit(target);
  const visitOne = async (datname: string) => {
    try {
      await visit(datname);
    } catch (error) {
      if ((error as { code?: unknown }).code !== INVALID_CATALOG_NAME) throw error;
    }
  };
  const worker = async () => {
    for (let datname = queue.shift(); datname !== undefined && !signal.aborted; datname = queue.shift()) await visitOne(datname);
  };
  await Promise.all(Array.from({ length: Math.min(target.config.maxConnections, queue.length) }, worker));
}
