/**
 * The figures a vacuum or analyze job shows before and after it ran: size,
 * live and dead rows, when the table was last vacuumed and analyzed — for
 * one table (all its partitions summed) or a whole database — and, after a
 * database-wide run, which tables it did not reach.
 *
 * Read from the cumulative statistics on the job's own session. Since
 * PostgreSQL 15 VACUUM and ANALYZE write their counts into shared memory
 * as they finish, so "after" is exact; before 15 the statistics collector
 * may publish them up to half a second late.
 */
import type { StatementSession } from './maintenanceStatement.js';
import type { Json } from './types.js';

export interface RelationFacts {
  [key: string]: Json;
  totalBytes: number;
  liveTuples: number;
  deadTuples: number;
}

/** A table's vacuum and analyze history; for a partitioned table, its oldest partition's (null if any never had one). */
export interface TableFacts extends RelationFacts {
  lastVacuum: string | null;
  lastAutovacuum: string | null;
  lastAnalyze: string | null;
  lastAutoanalyze: string | null;
}

interface FactsRow {
  total_bytes: number;
  live_tuples: number;
  dead_tuples: number;
}

interface TableFactsRow extends FactsRow {
  last_vacuum: string | null;
  last_autovacuum: string | null;
  last_analyze: string | null;
  last_autoanalyze: string | null;
}

/** Tables with storage (r, m); a partitioned parent has none and no vacuum history of its own. */
const oldest = (column: string) => `CASE WHEN bool_and(s.${column} IS NOT NULL) THEN min(s.${column})::text END AS ${column}`;

const FIGURES = `
  coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8 AS total_bytes,
  coalesce(sum(s.n_live_tup), 0)::float8 AS live_tuples,
  coalesce(sum(s.n_dead_tup), 0)::float8 AS dead_tuples`;

const HISTORY = `${oldest('last_vacuum')}, ${oldest('last_autovacuum')}, ${oldest('last_analyze')}, ${oldest('last_autoanalyze')}`;

/** The table itself and, for a partitioned table, every partition (pg_partition_tree lists nothing for a plain table). */
const TABLE_FACTS = `
  WITH tree AS (SELECT $1::oid AS relid UNION SELECT relid FROM pg_partition_tree($1::oid::regclass))
  SELECT ${FIGURES}, ${HISTORY}
    FROM tree JOIN pg_class c ON c.oid = tree.relid LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
   WHERE c.relkind IN ('r', 'm')`;

/** Other sessions' temporary tables are out of any VACUUM's reach. */
const NOT_TEMPORARY = `n.nspname !~ '^pg_(toast_)?temp_'`;

/**
 * pg_database_size() reads the directory and takes no lock, unlike
 * pg_total_relation_size(): a database-wide run must not wait for (and fail
 * on) the one table someone holds locked, which SKIP_LOCKED passes over.
 */
const DATABASE_FACTS = `
  SELECT pg_database_size(current_database())::float8 AS total_bytes,
         coalesce(sum(s.n_live_tup), 0)::float8 AS live_tuples,
         coalesce(sum(s.n_dead_tup), 0)::float8 AS dead_tuples
    FROM pg_stat_all_tables s
   WHERE s.schemaname !~ '^pg_(toast_)?temp_'`;

const figuresOf = (row: FactsRow | undefined): RelationFacts => ({
  totalBytes: row?.total_bytes ?? 0,
  liveTuples: row?.live_tuples ?? 0,
  deadTuples: row?.dead_tuples ?? 0,
});

export async function tableFacts(session: StatementSession, tableOid: number): Promise<TableFacts> {
  const { rows } = await session.query<TableFactsRow>(TABLE_FACTS, [tableOid]);
  const row = rows[0];
  return {
    ...figuresOf(row),
    lastVacuum: row?.last_vacuum ?? null,
    lastAutovacuum: row?.last_autovacuum ?? null,
    lastAnalyze: row?.last_analyze ?? null,
    lastAutoanalyze: row?.last_autoanalyze ?? null,
  };
}

/**
 * The whole database: its size on disk, the rows of all its tables. No
 * history: the oldest "last analyzed" of a database is always null
 * (pg_statistic is never analyzed).
 */
export async function databaseFacts(session: StatementSession): Promise<RelationFacts> {
  const { rows } = await session.query<FactsRow>(DATABASE_FACTS);
  return figuresOf(rows[0]);
}

/** The statistic a database-wide run sets on each table it finishes. */
export type SweepMark = 'last_vacuum' | 'last_analyze';

/**
 * Tables a database-wide statement visits: every table and materialized
 * view but other sessions' temporary ones, and for ANALYZE not pg_statistic
 * (which it never analyzes).
 */
const swept = (mark: SweepMark) => `
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
 WHERE c.relkind IN ('r', 'm') AND ${NOT_TEMPORARY}
   ${mark === 'last_analyze' ? `AND c.oid <> 'pg_catalog.pg_statistic'::regclass` : ''}`;

export async function sweptTableCount(session: StatementSession, mark: SweepMark): Promise<number> {
  const { rows } = await session.query<{ count: number }>(`SELECT count(*)::int AS count ${swept(mark)}`);
  return rows[0]?.count ?? 0;
}

/** `since` is the server's clock_timestamp() (text) taken just before the statement started. */
export function sweptSinceQuery(mark: SweepMark): string {
  return `SELECT count(*)::int AS count ${swept(mark)} AND s.${mark} >= $1::timestamptz`;
}

export interface NotReached {
  [key: string]: Json;
  count: number;
  /** The first few by name, the users' tables before the system catalogs. */
  tables: string[];
}

const NOT_REACHED_SAMPLE = 20;

/**
 * Tables a database-wide run left out: locked by someone else (SKIP_LOCKED),
 * not the role's to maintain, or dropped and created meanwhile.
 */
export async function tablesNotReached(session: StatementSession, mark: SweepMark, since: string): Promise<NotReached> {
  const { rows } = await session.query<{ count: number; tables: string[] | null }>(
    `SELECT count(*)::int AS count,
            (array_agg(n.nspname || '.' || c.relname
                       ORDER BY n.nspname IN ('pg_catalog', 'information_schema'), n.nspname, c.relname))[1:${NOT_REACHED_SAMPLE}] AS tables
       ${swept(mark)} AND (s.${mark} IS NULL OR s.${mark} < $1::timestamptz)`,
    [since],
  );
  return { count: rows[0]?.count ?? 0, tables: rows[0]?.tables ?? [] };
}

/** The server's clock now, as text so no precision is lost on the way back. */
export async function serverNow(session: StatementSession): Promise<string> {
  const { rows } = await session.query<{ now: string }>(`SELECT clock_timestamp()::text AS now`);
  const now = rows[0]?.now;
  if (now === undefined) throw new Error('clock_timestamp() returned no row');
  return now;
}
