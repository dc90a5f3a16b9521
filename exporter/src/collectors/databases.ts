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
