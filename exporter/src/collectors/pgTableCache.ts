/**
 * Per-table buffer cache hits and reads (pg_statio_user_tables), for the
 * busiest tables of each database: those with the most block accesses, above
 * the size floor, `tables.topN` of them, sticky like the statements' top (a
 * table stays a few runs after dropping out). Every other table is counted
 * in one `table="other"` series per database, a counter that never goes
 * backwards (remainderCounter.ts), so rates over a database add up.
 *
 * pg_statio_* only describes the database a session is in, so this is one
 * query per included database per run (plus one listing the databases).
 * Sizes come from pg_class.relpages, not pg_total_relation_size, which would
 * stat every file of every table.
 *
 * Scheduled, not live: reading the statistics of every table costs the server
 * time in proportion to the tables (80-115 ms for 10,000 on PostgreSQL 15;
 * see bench/), so it runs every minute and scrapes serve the result. The
 * series are counters that move once a minute: read them with rate() over 5
 * minutes or more.
 */
import { counter } from '../metrics/family.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { databaseVisitSuccess, forEachDatabase } from './databases.js';
import { RemainderCounters } from './remainderCounter.js';
import { StickyMembership } from './stickyMembership.js';
import { scheduledCollector } from './types.js';
import { perTarget } from './perTarget.js';

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

/** Runs a table stays in the top after dropping out of it: no churn at the cut-off. */
const STICKY_REFRESHES = 5;

interface TableCacheRow {
  key: string | null;
  schema: string | null;
  table: string | null;
  top: boolean | null;
  heap_hit: number;
  heap_read: number;
  index_hit: number;
  index_read: number;
}

const COUNTERS = ['heap_hit', 'heap_read', 'index_hit', 'index_read'] as const;
type Counter = (typeof COUNTERS)[number];

// Candidates: the top N by block accesses above the size floor, plus the
// current members wherever they rank (keyed by relid); then everything else
// as one row with NULL names.
const TABLE_CACHE_QUERY = `
  WITH t AS (
    SELECT s.relid::text AS key, s.schemaname, s.relname,
           coalesce(s.heap_blks_hit, 0)::float8 AS heap_hit, coalesce(s.heap_blks_read, 0)::float8 AS heap_read,
           coalesce(s.idx_blks_hit, 0)::float8 AS index_hit, coalesce(s.idx_blks_read, 0)::float8 AS index_read,
           c.relpages::float8 * current_setting('block_size')::float8 AS size_bytes
      FROM pg_statio_user_tables s JOIN pg_class c ON c.oid = s.relid
  ), ranked AS (
    SELECT t.*,
           (size_bytes >= $2 AND row_number() OVER (
              ORDER BY (size_bytes >= $2) DESC, heap_hit + heap_read + index_hit + index_read DESC, key) <= $1) AS top
      FROM t
  )
  SELECT key, schemaname AS schema, relname AS "table", top, heap_hit, heap_read, index_hit, index_read
    FROM ranked WHERE top OR key = ANY($3::text[])
  UNION ALL
  SELECT NULL, NULL, NULL, NULL, coalesce(sum(heap_hit), 0), coalesce(sum(heap_read), 0), coalesce(sum(index_hit), 0), coalesce(sum(index_read), 0)
    FROM ranked WHERE NOT (top OR key = ANY($3::text[]))`;

/** Per target and database: which tables have series of their own, and the `other` counters. */
interface DatabaseState {
  membership: StickyMembership;
  remainders: RemainderCounters;
}

const databasesOf = perTarget((_target: PostgresTarget) => new Map<string, DatabaseState>());

function stateOf(target: PostgresTarget, datname: string): DatabaseState {
  const byDatabase = databasesOf(target);
  let state = byDatabase.get(datname);
  if (!state) {
    state = { membership: new StickyMembership(STICKY_REFRESHES), remainders: new RemainderCounters() };
    byDatabase.set(datname, state);
  }
  return state;
}

function sum(rows: readonly TableCacheRow[], counter: Counter): number {
  return rows.reduce((acc, row) => acc + row[counter], 0);
}

const KIND_OF: Record<Counter, { family: typeof tableBlocksHit; kind: 'heap' | 'index' }> = {
  heap_hit: { family: tableBlocksHit, kind: 'heap' },
  heap_read: { family: tableBlocksRead, kind: 'heap' },
  index_hit: { family: tableBlocksHit, kind: 'index' },
  index_read: { family: tableBlocksRead, kind: 'index' },
};

export const pgTableCache = scheduledCollector({
  name: 'pg_table_cache',
  description: 'Heap and index block hits and reads of the busiest tables per database, the rest as "other".',
  mode: 'scheduled',
  targetKind: 'postgres',
  // Every minute at :25, off the minute where the other schedules start.
  defaultSchedule: '25 * * * * *',
  defaultTimeoutSeconds: 50,
  families: [tableBlocksHit, tableBlocksRead, databaseVisitSuccess],
  async collect({ target, emit, signal, log }) {
    const { topN, minSizeBytes } = target.config.tables;
    const visited = new Set<string>();
    await forEachDatabase(target, { collector: 'pg_table_cache', emit, signal, log }, async (datname) => {
      // Marked before the query: a database that fails this time keeps its state.
      visited.add(datname);
      const state = stateOf(target, datname);
      const before = new Set(state.membership.members);
      const { rows } = await target.queryDatabase<TableCacheRow>(datname, TABLE_CACHE_QUERY, [topN, minSizeBytes, [...before]]);
      const tables = rows.filter((r): r is TableCacheRow & { key: string } => r.key !== null);
      const members = state.membership.refresh(new Set(tables.filter((t) => t.top === true).map((t) => t.key)), new Set(tables.map((t) => t.key)));

      const inMembers = tables.filter((t) => members.has(t.key));
      const outside = [...rows.filter((r) => r.key === null), ...tables.filter((t) => !members.has(t.key))];
      const joined = inMembers.filter((t) => !before.has(t.key));
      const left = tables.filter((t) => before.has(t.key) && !members.has(t.key));
      for (const t of inMembers) {
        const names = { datname, schema: t.schema ?? '', table: t.table ?? '' };
        for (const counter of COUNTERS) emit(KIND_OF[counter].family, { ...names, kind: KIND_OF[counter].kind }, t[counter]);
      }
      const other = { datname, schema: OTHER_SCHEMA, table: OTHER_TABLE };
      for (const counter of COUNTERS) {
        const value = state.remainders.next(counter, sum(outside, counter), sum(joined, counter), sum(left, counter));
        emit(KIND_OF[counter].family, { ...other, kind: KIND_OF[counter].kind }, value);
      }
    });
    // A database no longer visited (dropped, excluded) starts afresh if it comes back.
    const byDatabase = databasesOf(target);
    for (const datname of byDatabase.keys()) if (!visited.has(datname)) byDatabase.delete(datname);
  },
});
