/**
 * Turns the names a request gives (`database`, `table`, `index`) into
 * catalog objects, or rejects the request before anything runs.
 *
 * A name is data, never SQL: `schema.name` is split at the first dot and the
 * two parts are compared as text with pg_namespace.nspname and
 * pg_class.relname, exactly (no identifier quoting, no case folding, no
 * search_path). What comes out is an OID; statements are later built by the
 * server from that OID with format('%I.%I'), so a string like
 * `public.t; DROP TABLE x` is just a table that does not exist (404).
 * The price: a schema whose name contains a dot cannot be addressed.
 */
import type { PostgresTarget } from '../targets/postgres.js';
import { ActionRejection } from './types.js';

export interface QualifiedName {
  schema: string;
  name: string;
}

export type TableKind = 'table' | 'partitioned table' | 'materialized view';

export interface ResolvedTable {
  oid: number;
  schema: string;
  name: string;
  kind: TableKind;
}

export interface ResolvedIndex {
  oid: number;
  schema: string;
  name: string;
  /** An index on a partitioned table (relkind I): it has no storage, its partitions' indexes do. */
  partitioned: boolean;
  /** Backs an exclusion constraint: such indexes cannot be rebuilt concurrently. */
  exclusionConstraint: boolean;
  table: ResolvedTable;
}

const TABLE_KINDS: Readonly<Record<string, TableKind>> = { r: 'table', p: 'partitioned table', m: 'materialized view' };

const RELKIND_NAMES: Readonly<Record<string, string>> = {
  r: 'a table',
  p: 'a partitioned table',
  m: 'a materialized view',
  i: 'an index',
  I: 'a partitioned index',
  v: 'a view',
  S: 'a sequence',
  f: 'a foreign table',
  c: 'a composite type',
  t: 'a TOAST table',
};

export function displayName(relation: QualifiedName): string {
  return `${relation.schema}.${relation.name}`;
}

/**
 * `pg_` is reserved for the system's schemas (pg_catalog, pg_toast, other
 * sessions' pg_temp_N): maintenance of those is the server's own business.
 */
export function isSystemSchema(schema: string): boolean {
  return schema.startsWith('pg_') || schema === 'information_schema';
}

/** `schema.name`, split at the first dot; a name without a schema is refused rather than guessed through a search_path. */
export function splitQualifiedName(text: string, param: 'table' | 'index'): QualifiedName {
  const dot = text.indexOf('.');
  if (dot <= 0 || dot === text.length - 1) {
    throw new ActionRejection(
      422,
      'schema_required',
      `${param} must be given as schema.name (for example public.orders), compared exactly with the catalog; got ${JSON.stringify(text)}`,
    );
  }
  const name = { schema: text.slice(0, dot), name: text.slice(dot + 1) };
  if (isSystemSchema(name.schema)) {
    throw new ActionRejection(422, 'system_relation', `${text} is in the system schema ${name.schema}: Upkeep does not maintain system catalogs`);
  }
  return name;
}

/** No catalog name contains NUL, and the server would refuse it as a parameter: it names nothing. */
const namesNothing = (text: string) => text.includes('\u0000');

/** The database a job works in: the one asked for, or the one the target's DSN connects to. */
export async function resolveDatabase(target: PostgresTarget, requested: string | undefined): Promise<string> {
  const database = requested ?? target.info?.database;
  if (database === undefined) throw new Error(`target ${target.name} has not been probed: its database is unknown`);
  if (requested === undefined) return database;
  const unknown = new ActionRejection(404, 'unknown_database', `database ${JSON.stringify(requested)} does not exist on target ${target.name}`);
  if (namesNothing(requested)) throw unknown;
  // name = $1::name finds the row through the catalog index; the text
  // comparison then refuses what the cast truncated to 63 bytes.
  const { rows } = await target.query<{ datallowconn: boolean; may_connect: boolean }>(
    `SELECT datallowconn, has_database_privilege(oid, 'CONNECT') AS may_connect
       FROM pg_database WHERE datname = $1::name AND datname::text = $1`,
    [requested],
  );
  const row = rows[0];
  if (!row) throw unknown;
  if (!row.datallowconn) {
    throw new ActionRejection(404, 'unknown_database', `database ${requested} does not accept connections (datallowconn is off): there is nothing to maintain in it`);
  }
  if (!row.may_connect) {
    throw new ActionRejection(422, 'insufficient_privilege', `the exporter's role may not connect to database ${requested} (GRANT CONNECT ON DATABASE)`);
  }
  return requested;
}

interface RelationRow {
  oid: number;
  relkind: string;
}

async function findRelation(target: PostgresTarget, database: string, name: QualifiedName): Promise<RelationRow | undefined> {
  if (namesNothing(name.schema) || namesNothing(name.name)) return undefined;
  const { rows } = await target.queryDatabase<RelationRow>(
    database,
    `SELECT c.oid, c.relkind::text AS relkind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $2::name AND c.relname::text = $2
        AND n.nspname = $1::name AND n.nspname::text = $1`,
    [name.schema, name.name],
  );
  return rows[0];
}

function kindOf(relkind: string): string {
  return RELKIND_NAMES[relkind] ?? `a relation of kind ${relkind}`;
}

export async function resolveTable(target: PostgresTarget, database: string, text: string): Promise<ResolvedTable> {
  const name = splitQualifiedName(text, 'table');
  const row = await findRelation(target, database, name);
  if (!row) throw new ActionRejection(404, 'unknown_table', `there is no table ${displayName(name)} in database ${database}`);
  const kind = TABLE_KINDS[row.relkind];
  if (!kind) {
    throw new ActionRejection(422, 'not_a_table', `${displayName(name)} is ${kindOf(row.relkind)}, not a table, materialized view or partitioned table`);
  }
  return { oid: row.oid, ...name, kind };
}

interface IndexRow {
  table_oid: number;
  table_schema: string;
  table_name: string;
  table_relkind: string;
  exclusion: boolean;
}

export async function resolveIndex(target: PostgresTarget, database: string, text: string): Promise<ResolvedIndex> {
  const name = splitQualifiedName(text, 'index');
  const row = await findRelation(target, database, name);
  if (!row) throw new ActionRejection(404, 'unknown_index', `there is no index ${displayName(name)} in database ${database}`);
  if (row.relkind !== 'i' && row.relkind !== 'I') {
    throw new ActionRejection(422, 'not_an_index', `${displayName(name)} is ${kindOf(row.relkind)}, not an index`);
  }
  const { rows } = await target.queryDatabase<IndexRow>(
    database,
    `SELECT t.oid AS table_oid, n.nspname AS table_schema, t.relname AS table_name, t.relkind::text AS table_relkind,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'x') AS exclusion
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE i.indexrelid = $1`,
    [row.oid],
  );
  const owner = rows[0];
  if (!owner) throw new ActionRejection(404, 'unknown_index', `index ${displayName(name)} was dropped while it was being looked up`);
  const tableKind = TABLE_KINDS[owner.table_relkind];
  if (!tableKind) throw new ActionRejection(422, 'not_a_table', `${displayName(name)} is an index of ${kindOf(owner.table_relkind)}, which Upkeep does not maintain`);
  return {
    oid: row.oid,
    ...name,
    partitioned: row.relkind === 'I',
    exclusionConstraint: owner.exclusion,
    table: { oid: owner.table_oid, schema: owner.table_schema, name: owner.table_name, kind: tableKind },
  };
}

/**
 * The job's lock scope. Vacuum, analyze and reindex of one table share
 * `table:<database>:<table OID>` (a reindex of an index locks its table):
 * all three take SHARE UPDATE EXCLUSIVE on the table, which conflicts with
 * itself, so a second job there would only wait for the lock and fail;
 * refused at once (409) it names the job in the way. A database-wide run
 * locks `database:<database>`: it does not exclude single-table jobs, which
 * it passes over (SKIP_LOCKED) or waits for like any other session.
 */
export function maintenanceScope(database: string, table: ResolvedTable | undefined): string {
  return table ? `table:${database}:${table.oid}` : `database:${database}`;
}
