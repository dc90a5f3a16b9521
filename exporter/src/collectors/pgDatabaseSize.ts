/**
 * Disk space per database (pg_database_size), off the scrape path.
 *
 * pg_database_size stats every file of the database: on a server with
 * 10,000 tables that is about 0.1 s of server time per call, far too much
 * for every scrape, and sizes move slowly. One query per run for all
 * databases.
 */
import { gauge } from '../metrics/family.js';
import { databaseFilter } from './databaseFilter.js';
import { scheduledCollector } from './types.js';

export const databaseSize = gauge(
  'upkeep_pg_database_size_bytes',
  'Disk space used by the database, in bytes (pg_database_size); absent where the exporter may not connect.',
  ['target', 'datname'],
);

interface SizeRow {
  datname: string;
  size_bytes: number | null;
}

export const pgDatabaseSize = scheduledCollector({
  name: 'pg_database_size',
  description: 'Disk space per database.',
  mode: 'scheduled',
  targetKind: 'postgres',
  families: [databaseSize],
  defaultSchedule: '*/5 * * * *',
  defaultTimeoutSeconds: 60,
  async collect({ target, emit }) {
    const included = databaseFilter(target.config.databases);
    // pg_database_size needs CONNECT (or pg_read_all_stats); without it the
    // whole query would fail, so the size is left out for that database only.
    const { rows } = await target.query<SizeRow>(
      `SELECT d.datname,
              CASE WHEN has_database_privilege(d.oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')
                   THEN pg_database_size(d.oid)::float8 END AS size_bytes
         FROM pg_database d`,
    );
    for (const row of rows) {
      if (included(row.datname) && row.size_bytes !== null) emit(databaseSize, { datname: row.datname }, row.size_bytes);
    }
  },
});
