/**
 * Per-database block cache counters and size, from pg_stat_database.
 *
 * One query per scrape whatever the number of databases. blks_hit counts only
 * PostgreSQL's shared buffers (not the OS page cache); the hit ratio is
 * computed from the two counters in PromQL, over a rate window.
 */
import { counter, gauge } from '../metrics/family.js';
import { liveCollector } from './types.js';
import { databaseFilter } from './databaseFilter.js';

export const blocksHit = counter(
  'upkeep_pg_database_blocks_hit_total',
  'Disk blocks found in PostgreSQL\'s shared buffers, per database (pg_stat_database.blks_hit).',
  ['target', 'datname'],
);

export const blocksRead = counter(
  'upkeep_pg_database_blocks_read_total',
  'Disk blocks read because they were not in shared buffers, per database (pg_stat_database.blks_read).',
  ['target', 'datname'],
);

export const databaseSize = gauge(
  'upkeep_pg_database_size_bytes',
  'Disk space used by the database, in bytes (pg_database_size); absent where the exporter may not connect.',
  ['target', 'datname'],
);

interface DatabaseRow {
  datname: string;
  blks_hit: number;
  blks_read: number;
  size_bytes: number | null;
}

export const pgDatabase = liveCollector({
  name: 'pg_database',
  description: 'Block cache hits and reads and size per database.',
  mode: 'live',
  targetKind: 'postgres',
  families: [blocksHit, blocksRead, databaseSize],
  async collect({ target, emit }) {
    const included = databaseFilter(target.config.databases);
    // datname IS NULL is the row for shared catalogs (PostgreSQL 12+).
    // pg_database_size needs CONNECT (or pg_read_all_stats); without it the
    // whole query would fail, so the size is left out for that database only.
    const { rows } = await target.query<DatabaseRow>(
      `SELECT s.datname,
              s.blks_hit::float8 AS blks_hit,
              s.blks_read::float8 AS blks_read,
              CASE WHEN has_database_privilege(s.datid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')
                   THEN pg_database_size(s.datid)::float8 END AS size_bytes
         FROM pg_stat_database s
        WHERE s.datname IS NOT NULL`,
    );
    for (const row of rows) {
      if (!included(row.datname)) continue;
      emit(blocksHit, { datname: row.datname }, row.blks_hit);
      emit(blocksRead, { datname: row.datname }, row.blks_read);
      if (row.size_bytes !== null) emit(databaseSize, { datname: row.datname }, row.size_bytes);
    }
  },
});
