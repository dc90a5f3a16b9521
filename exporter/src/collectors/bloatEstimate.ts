/**
 * Statistical bloat estimate, from the catalogs only (no table scan):
 * from ANALYZE's per-column average width and null fraction, how many pages
 * the live rows would need when tightly packed (at the fillfactor), compared
 * with the pages the relation has. The difference is dead rows and free space
 * that VACUUM has not given back to the operating system.
 *
 * It is an estimate: padding between columns is modelled from each type's
 * alignment, variable-length values are taken as short (unaligned), TOAST is
 * left out, and rows whose statistics cannot be trusted are marked so the
 * caller skips them: never analyzed, columns without statistics, `name`
 * columns (their stored width differs from avg_width), expression indexes,
 * and non-unique btree indexes with many duplicate keys (deduplicated, so
 * smaller than the model).
 */

/**
 * Alignment of a column's value in a heap row, in bytes. Variable-length
 * values are counted as unaligned: most are short enough for the 1-byte
 * header, which PostgreSQL stores without padding.
 */
const ALIGNMENT = `CASE WHEN t.typlen = -1 THEN 1 WHEN t.typalign = 'd' THEN 8 WHEN t.typalign = 'i' THEN 4 WHEN t.typalign = 's' THEN 2 ELSE 1 END`;

/** Per table of the connected database: estimate inputs, vacuum facts and size. */
export const TABLES_QUERY = `
  WITH attributes AS (
    SELECT a.attrelid AS relid, a.atttypid, s.attname IS NOT NULL AS has_stats,
           coalesce(s.null_frac, 0) AS null_frac, coalesce(s.avg_width, 0) AS avg_width,
           -- the padding after a value is what aligns the next one
           coalesce(lead(${ALIGNMENT}) OVER (PARTITION BY a.attrelid ORDER BY a.attnum), 1) AS next_alignment
      FROM pg_attribute a
      JOIN pg_type t ON t.oid = a.atttypid
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname AND NOT s.inherited
     WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'm')
  ), columns AS (
    SELECT relid,
           count(*) AS natts,
           count(*) FILTER (WHERE has_stats) AS with_stats,
           sum((1 - null_frac) * ceil(avg_width / next_alignment::float8) * next_alignment) AS data_width,
           bool_or(null_frac > 0) AS has_nulls,
           bool_or(atttypid = 'pg_catalog.name'::regtype) AS has_name
      FROM attributes
     GROUP BY relid
  ), estimate AS (
    SELECT t.relid, t.schemaname, t.relname,
           c.relpages::float8 AS pages,
           c.reltuples::float8 AS tuples,
           current_setting('block_size')::float8 AS block_size,
           coalesce((SELECT option_value::int FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor'), 100) AS fillfactor,
           -- heap tuple: 23-byte header (+ null bitmap) padded to 8, data padded to 8, 4-byte line pointer
           8 * ceil((23 + CASE WHEN col.has_nulls THEN ceil(col.natts / 8.0) ELSE 0 END) / 8.0)
             + 8 * ceil(coalesce(col.data_width, 0) / 8.0) + 4 AS tuple_bytes,
           -- An empty table needs no column statistics, but only once VACUUM or
           -- ANALYZE has counted it (before PostgreSQL 14, "never counted" is 0 too).
           (c.reltuples >= 0 AND NOT coalesce(col.has_name, false)
             AND (coalesce(col.with_stats = col.natts, true)
                  OR (c.reltuples = 0 AND coalesce(t.last_vacuum, t.last_autovacuum, t.last_analyze, t.last_autoanalyze) IS NOT NULL))) AS trusted,
           t.n_dead_tup::float8 AS dead_tuples,
           extract(epoch FROM t.last_vacuum)::float8 AS last_vacuum,
           extract(epoch FROM t.last_autovacuum)::float8 AS last_autovacuum,
           extract(epoch FROM t.last_analyze)::float8 AS last_analyze,
           extract(epoch FROM t.last_autoanalyze)::float8 AS last_autoanalyze,
           pg_total_relation_size(t.relid)::float8 AS total_bytes
      FROM pg_stat_user_tables t
      JOIN pg_class c ON c.oid = t.relid
      LEFT JOIN columns col ON col.relid = t.relid
  )
  SELECT schema, "table", total_bytes, dead_tuples, last_vacuum, last_autovacuum, last_analyze, last_autoanalyze, trusted, heap_bytes,
         greatest(0, pages - ceil(tuples / greatest(1, floor((block_size - 24) * fillfactor / 100.0 / tuple_bytes)))) * block_size AS bloat_bytes
    FROM (SELECT e.*, schemaname AS schema, relname AS "table", pages * block_size AS heap_bytes FROM estimate e) AS named`;

/** Per btree index on plain columns: the same estimate for leaf pages. */
export const INDEXES_QUERY = `
  WITH indexes AS (
    SELECT n.nspname AS schema, t.relname AS "table", i.relname AS "index",
           i.relpages::float8 AS pages, i.reltuples::float8 AS tuples,
           current_setting('block_size')::float8 AS block_size,
           coalesce((SELECT option_value::int FROM pg_options_to_table(i.reloptions) WHERE option_name = 'fillfactor'), 90) AS fillfactor,
           x.indnatts AS natts,
           count(s.attname) AS with_stats,
           sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0)) AS data_width,
           bool_or(coalesce(s.null_frac, 0) > 0) AS has_nulls,
           bool_or(a.atttypid = 'pg_catalog.name'::regtype) AS has_name,
           x.indisunique AS is_unique,
           -- distinct values of the leading column (negative: a fraction of the rows)
           (SELECT lead.n_distinct FROM pg_stats lead
              JOIN pg_attribute la ON la.attrelid = t.oid AND la.attnum = x.indkey[0] AND la.attname = lead.attname
             WHERE lead.schemaname = n.nspname AND lead.tablename = t.relname AND NOT lead.inherited) AS lead_distinct,
           pg_relation_size(i.oid)::float8 AS index_bytes
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_am am ON am.oid = i.relam AND am.amname = 'btree'
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (x.indkey::int2[]) AND a.attnum > 0
      LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname AND NOT s.inherited
     WHERE x.indexprs IS NULL AND x.indisvalid AND i.relpages > 0
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
     GROUP BY n.nspname, t.oid, t.relname, i.relname, i.oid, i.relpages, i.reltuples, i.reloptions, x.indnatts, x.indisunique, x.indkey
  )
  SELECT schema, "table", "index", index_bytes,
         -- Since PostgreSQL 13 a btree stores a repeated key once (deduplication):
         -- with many duplicates it is smaller than this model, whose estimate
         -- would then read 0. Such indexes are left out instead.
         (tuples >= 0 AND NOT has_name AND with_stats = natts
           AND (is_unique OR lead_distinct IS NULL
                OR (lead_distinct < 0 AND lead_distinct <= -0.5)
                OR (lead_distinct > 0 AND lead_distinct >= 0.5 * tuples))) AS trusted,
         -- index tuple: 8-byte header (+ null bitmap) and data padded to 8, 4-byte line pointer;
         -- page: 24-byte header and 16-byte btree special space; plus the metapage
         greatest(0, pages - 1 - ceil(tuples / greatest(1, floor((block_size - 40) * fillfactor / 100.0
           / (8 * ceil((8 + CASE WHEN has_nulls THEN 8 ELSE 0 END + data_width) / 8.0) + 4)))))
           * block_size AS bloat_bytes
    FROM indexes`;

export const INVALID_INDEXES_QUERY = `SELECT count(*)::float8 AS invalid FROM pg_index WHERE NOT indisvalid`;

/** Instance-wide, from the connected database: transaction ID age per database (wraparound distance). */
export const XID_AGE_QUERY = `
  SELECT datname, age(datfrozenxid)::float8 AS xid_age, mxid_age(datminmxid)::float8 AS mxid_age
    FROM pg_database`;
