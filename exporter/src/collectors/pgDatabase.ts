/**
 * Per-database block cache counters, from pg_stat_database.
 *
 * One query per scrape whatever the number of databases. The size is
 * pgDatabaseSize.ts's, on a schedule: pg_database_size stats every file. blks_hit counts only
 * PostgreSQL's shared buffers (not the OS page cache); the hit ratio is
 * computed from the two counters in PromQL, over a rate window.
 */
import { counter } from '../metrics/family.js';
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

interface DatabaseRow {
  datname: string;
  blks_hit: number;
  blks_read: number;
}

export const pgDatabase = liveCollector({
  name: 'pg_database',
  description: 'Block cache hits and reads per database.',
  mode: 'live',
  targetKind: 'postgres',
  families: [blocksHit, blocksRead],
  async collect({ target, emit }) {
    const included = databaseFilter(target.config.databases);
    // datname IS NULL is the row for shared catalogs (PostgreSQL 12+).
    const { rows } = await target.query<DatabaseRow>(
      `SELECT s.datname,
              s.blks_hit::float8 AS blks_hit,
              s.blks_read::float8 AS blks_read
         FROM pg_stat_database s
        WHERE s.datname IS NOT NULL`,
    );
    for (const row of rows) {
      if (!included(row.datname)) continue;
      emit(blocksHit, { datname: row.datname }, row.blks_hit);
      emit(blocksRead, { datname: row.datname }, row.blks_read);
    }
  },
});
