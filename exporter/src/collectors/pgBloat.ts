/**
 * Bloat and vacuum, per table and btree index of every included database.
 * Scheduled (default every 15 minutes) and cached: the estimate reads the
 * whole catalog and pg_stats of each database, too much for every scrape.
 *
 * Per database, tables above `tables.minSizeBytes` are ranked twice, by
 * estimated bloat and by dead rows; the top `tables.topN` of each get their
 * own series (topped up with the largest tables when fewer than N qualify),
 * and every other table is summed into `table="other"`.
 * Indexes: top N by estimated bloat above the same floor, the rest in
 * `index="other"`.
 *
 * Queries per run: one for XID ages, one listing the databases, then three
 * per database (tables, indexes, invalid indexes), at most `maxConnections`
 * databases at a time. Each statement is bound by the target's
 * statement_timeout, the whole run by the collector timeout.
 */
import { gauge } from '../metrics/family.js';
import { databaseFilter } from './databaseFilter.js';
import { databaseVisitSuccess, forEachDatabase } from './databases.js';
import { INDEXES_QUERY, INVALID_INDEXES_QUERY, TABLES_QUERY, XID_AGE_QUERY } from './bloatEstimate.js';
import { OTHER_SCHEMA, OTHER_TABLE } from './pgTableCache.js';
import { scheduledCollector } from './types.js';

const tableLabels = ['target', 'datname', 'schema', 'table'] as const;
const NOTE = 'Cached: refreshed by a scheduled run (see upkeep_collector_last_success_timestamp_seconds{collector="pg_bloat"}).';

export const tableBloatBytes = gauge(
  'upkeep_pg_table_bloat_bytes',
  `Estimated space in the table's heap beyond what its live rows need at its fillfactor (dead rows, free space); top tables, the rest in table="other". ${NOTE}`,
  tableLabels,
);

export const tableBloatRatio = gauge(
  'upkeep_pg_table_bloat_ratio',
  `Estimated bloat as a fraction (0..1) of the table's heap size. ${NOTE}`,
  tableLabels,
);

export const tableSizeBytes = gauge('upkeep_pg_table_size_bytes', `Table size including indexes and TOAST (pg_total_relation_size). ${NOTE}`, tableLabels);

export const indexBloatBytes = gauge(
  'upkeep_pg_index_bloat_bytes',
  `Estimated space in a btree index beyond what its entries need at its fillfactor; top indexes, the rest in index="other". ${NOTE}`,
  [...tableLabels, 'index'],
);

export const tableDeadTuples = gauge(
  'upkeep_pg_table_dead_tuples',
  `Dead rows not yet removed by VACUUM (n_dead_tup); top tables, the rest in table="other". ${NOTE}`,
  tableLabels,
);

export const tableLastVacuum = gauge(
  'upkeep_pg_table_last_vacuum_timestamp_seconds',
  `When the table was last vacuumed, by hand (mode="manual") or by autovacuum (mode="auto"); absent if never. ${NOTE}`,
  [...tableLabels, 'mode'],
);

export const tableLastAnalyze = gauge(
  'upkeep_pg_table_last_analyze_timestamp_seconds',
  `When the table was last analyzed, by hand (mode="manual") or by autovacuum (mode="auto"); absent if never. ${NOTE}`,
  [...tableLabels, 'mode'],
);

export const databaseXidAge = gauge(
  'upkeep_pg_database_xid_age',
  `Transactions since the database's oldest unfrozen XID (age(datfrozenxid)); wraparound protection starts at autovacuum_freeze_max_age, the server stops near 2^31. ${NOTE}`,
  ['target', 'datname'],
);

export const databaseMxidAge = gauge(
  'upkeep_pg_database_mxid_age',
  `Multixacts since the database's oldest unfrozen multixact (mxid_age(datminmxid)). ${NOTE}`,
  ['target', 'datname'],
);

export const invalidIndexes = gauge(
  'upkeep_pg_invalid_indexes',
  `Indexes marked invalid (for example left behind by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY); they cost writes and serve no reads. ${NOTE}`,
  ['target', 'datname'],
);

export const unestimatedTables = gauge(
  'upkeep_pg_bloat_unestimated_tables',
  `Tables above the size floor whose bloat cannot be estimated: never analyzed, columns without statistics, or statistics the exporter's role may not read (pg_stats shows only tables it can SELECT; grant pg_read_all_data). ${NOTE}`,
  ['target', 'datname'],
);

export const OTHER_INDEX = 'other';

interface TableRow {
  schema: string;
  table: string;
  total_bytes: number;
  heap_bytes: number;
  dead_tuples: number;
  bloat_bytes: number;
  trusted: boolean;
  last_vacuum: number | null;
  last_autovacuum: number | null;
  last_analyze: number | null;
  last_autoanalyze: number | null;
}

interface IndexRow {
  schema: string;
  table: string;
  index: string;
  index_bytes: number;
  bloat_bytes: number;
  trusted: boolean;
}

/** The first `n` items by `score` (descending), ignoring items scored 0. */
export function topBy<T>(items: readonly T[], n: number, score: (item: T) => number): T[] {
  return items
    .filter((item) => score(item) > 0)
    .sort((a, b) => score(b) - score(a))
    .slice(0, n);
}

const trustedBloat = (t: { trusted: boolean; bloat_bytes: number }) => (t.trusted ? t.bloat_bytes : 0);

/**
 * The tables with series of their own: the top N by bloat and the top N by
 * dead rows; when fewer than N tables have either, the largest fill up to N,
 * so a clean database still shows its main tables' vacuum history.
 */
function chooseTables(tables: readonly TableRow[], n: number): Set<TableRow> {
  const chosen = new Set([...topBy(tables, n, trustedBloat), ...topBy(tables, n, (t) => t.dead_tuples)]);
  for (const t of topBy(tables, n, (x) => x.total_bytes)) {
    if (chosen.size >= n) break;
    chosen.add(t);
  }
  return chosen;
}

export const pgBloat = scheduledCollector({
  name: 'pg_bloat',
  description: 'Estimated table and index bloat, dead rows, last (auto)vacuum and analyze, XID age and invalid indexes, for every included database.',
  mode: 'scheduled',
  targetKind: 'postgres',
  defaultSchedule: '*/15 * * * *',
  defaultTimeoutSeconds: 300,
  families: [
    tableBloatBytes,
    tableBloatRatio,
    tableSizeBytes,
    indexBloatBytes,
    tableDeadTuples,
    tableLastVacuum,
    tableLastAnalyze,
    databaseXidAge,
    databaseMxidAge,
    invalidIndexes,
    unestimatedTables,
    databaseVisitSuccess,
  ],
  async collect({ target, emit, signal, log }) {
    const { topN, minSizeBytes } = target.config.tables;
    const included = databaseFilter(target.config.databases);

    const { rows: ages } = await target.query<{ datname: string; xid_age: number; mxid_age: number }>(XID_AGE_QUERY);
    for (const row of ages) {
      if (!included(row.datname)) continue;
      emit(databaseXidAge, { datname: row.datname }, row.xid_age);
      emit(databaseMxidAge, { datname: row.datname }, row.mxid_age);
    }

    await forEachDatabase(target, { collector: 'pg_bloat', emit, signal, log }, async (datname) => {
      const { rows: tables } = await target.queryDatabase<TableRow>(datname, TABLES_QUERY);
      const { rows: indexes } = await target.queryDatabase<IndexRow>(datname, INDEXES_QUERY);
      const { rows: invalid } = await target.queryDatabase<{ invalid: number }>(datname, INVALID_INDEXES_QUERY);
      emit(invalidIndexes, { datname }, invalid[0]?.invalid ?? 0);

      const large = tables.filter((t) => t.total_bytes >= minSizeBytes);
      emit(unestimatedTables, { datname }, large.filter((t) => !t.trusted).length);
      const chosen = chooseTables(large, topN);
      const rest = { bloat: 0, dead: 0 };
      for (const t of tables) {
        if (!chosen.has(t)) {
          rest.bloat += trustedBloat(t);
          rest.dead += t.dead_tuples;
          continue;
        }
        const labels = { datname, schema: t.schema, table: t.table };
        emit(tableSizeBytes, labels, t.total_bytes);
        emit(tableDeadTuples, labels, t.dead_tuples);
        if (t.trusted) {
          emit(tableBloatBytes, labels, t.bloat_bytes);
          emit(tableBloatRatio, labels, t.heap_bytes > 0 ? t.bloat_bytes / t.heap_bytes : 0);
        }
        if (t.last_vacuum !== null) emit(tableLastVacuum, { ...labels, mode: 'manual' }, t.last_vacuum);
        if (t.last_autovacuum !== null) emit(tableLastVacuum, { ...labels, mode: 'auto' }, t.last_autovacuum);
        if (t.last_analyze !== null) emit(tableLastAnalyze, { ...labels, mode: 'manual' }, t.last_analyze);
        if (t.last_autoanalyze !== null) emit(tableLastAnalyze, { ...labels, mode: 'auto' }, t.last_autoanalyze);
      }
      const other = { datname, schema: OTHER_SCHEMA, table: OTHER_TABLE };
      emit(tableBloatBytes, other, rest.bloat);
      emit(tableDeadTuples, other, rest.dead);

      const chosenIndexes = new Set(topBy(indexes.filter((i) => i.index_bytes >= minSizeBytes), topN, trustedBloat));
      let restIndexBloat = 0;
      for (const i of indexes) {
        if (chosenIndexes.has(i)) emit(indexBloatBytes, { datname, schema: i.schema, table: i.table, index: i.index }, i.bloat_bytes);
        else restIndexBloat += trustedBloat(i);
      }
      emit(indexBloatBytes, { datname, schema: OTHER_SCHEMA, table: OTHER_TABLE, index: OTHER_INDEX }, restIndexBloat);
    });
  },
});
