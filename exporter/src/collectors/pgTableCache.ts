/**
 * Per-table buffer cache hits and reads (pg_statio_user_tables), for the
 * busiest tables of each database: those with the most block accesses, above
 * the size floor, `tables.topN` of them; every other table is added into one
 * `table="other"` series per database, so sums over a database stay right.
 *
 * pg_statio_* only describes the database a session is in, so this is one
 * query per included database per scrape (plus one listing the databases).
 * Sizes come from pg_class.relpages, not pg_total_relation_size, which would
 * stat every file of every table on each scrape.
 */
import { counter } from '../metrics/family.js';
import { databaseVisitSuccess, forEachDatabase } from './databases.js';
import { liveCollector } from './types.js';

const tableLabels = ['target', 'datname', 'schema', 'table', 'kind'] as const;

export const tableBlocksHit = counter(
  'upkeep_pg_table_blocks_hit_total',
  'Blocks of a table (kind="heap") or of its indexes (kind="index") found in shared buffers; top tables by block accesses, the rest in table="other".',
  tableLabels,
);

export const tableBlocksRead = counter(
  'upkeep_pg_table_blocks_read_total',
  'Blocks of a table (kind="heap") or of its indexes (kind="index") read from outside shared buffers; top tables by block accesses, the rest in table="other".',
  tableLabels,
);

/** Schema label of the aggregate row; no real schema has an empty name. */
export const OTHER_SCHEMA = '';
export const OTHER_TABLE = 'other';

interface TableCacheRow {
  schema: string | null;
  table: string | null;
  heap_hit: number;
  heap_read: number;
  index_hit: number;
  index_read: number;
}

// The top rows, then the remainder as one row with NULL names (GROUPING SETS
// would do too; a UNION reads more plainly).
const TABLE_CACHE_QUERY = `
  WITH t AS (
    SELECT s.schemaname, s.relname,
           coalesce(s.heap_blks_hit, 0)::float8 AS heap_hit, coalesce(s.heap_blks_read, 0)::float8 AS heap_read,
           coalesce(s.idx_blks_hit, 0)::float8 AS index_hit, coalesce(s.idx_blks_read, 0)::float8 AS index_read,
           c.relpages::float8 * current_setting('block_size')::float8 AS size_bytes
      FROM pg_statio_user_tables s JOIN pg_class c ON c.oid = s.relid
  ), ranked AS (
    SELECT t.*,
           (size_bytes >= $2 AND row_number() OVER (
              ORDER BY (size_bytes >= $2) DESC, heap_hit + heap_read + index_hit + index_read DESC, schemaname, relname) <= $1) AS top
      FROM t
  )
  SELECT schemaname AS schema, relname AS "table", heap_hit, heap_read, index_hit, index_read FROM ranked WHERE top
  UNION ALL
  SELECT NULL, NULL, coalesce(sum(heap_hit), 0), coalesce(sum(heap_read), 0), coalesce(sum(index_hit), 0), coalesce(sum(index_read), 0)
    FROM ranked WHERE NOT top`;

export const pgTableCache = liveCollector({
  name: 'pg_table_cache',
  description: 'Heap and index block hits and reads of the busiest tables per database, the rest as "other".',
  mode: 'live',
  targetKind: 'postgres',
  families: [tableBlocksHit, tableBlocksRead, databaseVisitSuccess],
  async collect({ target, emit, signal, log }) {
    const { topN, minSizeBytes } = target.config.tables;
    await forEachDatabase(target, { collector: 'pg_table_cache', emit, signal, log }, async (datname) => {
      const { rows } = await target.queryDatabase<TableCacheRow>(datname, TABLE_CACHE_QUERY, [topN, minSizeBytes]);
      for (const row of rows) {
        const names = row.table === null ? { schema: OTHER_SCHEMA, table: OTHER_TABLE } : { schema: row.schema ?? '', table: row.table };
        emit(tableBlocksHit, { datname, ...names, kind: 'heap' }, row.heap_hit);
        emit(tableBlocksRead, { datname, ...names, kind: 'heap' }, row.heap_read);
        emit(tableBlocksHit, { datname, ...names, kind: 'index' }, row.index_hit);
        emit(tableBlocksRead, { datname, ...names, kind: 'index' }, row.index_read);
      }
    });
  },
});
