/**
 * Disk space per database (pg_database_size), off the scrape path.
 *
 * pg_database_size stats every file of the database: on a server with
 * 10,000 tables that is 110-130 ms of server time per call, far too much
 * for every scrape, and sizes move slowly. Two queries per run: the
 * databases, then the sizes of the included ones.
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
  // Every 5 minutes at :35 s, off the minute where the other schedules start.
  defaultSchedule: '35 */5 * * * *',
  defaultTimeoutSeconds: 60,
  async collect({ target, emit }) {
    // The filter is a set of regular expressions, applied here; only the
    // databases it includes are sized, so an excluded one costs nothing.
    const included = databaseFilter(target.config.databases);
    const { rows: listed } = await target.query<{ datname: string }>('SELECT datname FROM pg_database');
    const names = listed.map((r) => r.datname).filter(included);
    if (names.length === 0) return;
    // pg_database_size needs CONNECT (or pg_read_all_stats); without it the
    // whole query would fail, so the size is left out for that database only.
    const { rows } = await target.query<SizeRow>(
      `SELECT d.datname,
              CASE WHEN has_database_privilege(d.oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')
                   THEN pg_database_size(d.oid)::float8 END AS size_bytes
         FROM pg_database d
        WHERE d.datname = ANY($1::text[])`,
      [names],
    );
    for (const row of rows) {
      if (row.size_bytes !== null) emit(databaseSize, { datname: row.datname }, row.size_bytes);
    }
  },
});
