/**
 * How many indexes a reindex job covers and their size on disk, before and
 * after: the visible effect of a rebuild is a smaller index.
 *
 * REINDEX CONCURRENTLY gives the rebuilt index a new OID (the new copy
 * takes the old one's name), so a single index is found again by name; a
 * table keeps its OID.
 */
import type { StatementSession } from './maintenanceStatement.js';
import type { QualifiedName } from './relationResolver.js';
import type { Json } from './types.js';

export type FootprintScope = { index: QualifiedName } | { table: number } | 'database';

export interface IndexFootprint {
  [key: string]: Json;
  indexes: number;
  bytes: number;
}

/** Indexes with storage (relkind i): a partitioned index's size is its partitions'. */
const FIGURES = `SELECT count(*)::int AS indexes, coalesce(sum(pg_relation_size(c.oid)), 0)::float8 AS bytes`;

function footprintQuery(scope: FootprintScope): { text: string; values: unknown[] } {
  if (scope === 'database') {
    // REINDEX DATABASE CONCURRENTLY leaves the system catalogs alone.
    return {
      text: `${FIGURES} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind = 'i' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast_)?temp_'`,
      values: [],
    };
  }
  if ('index' in scope) {
    return {
      text: `WITH named AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname::text = $1 AND c.relname::text = $2 AND c.relkind IN ('i', 'I')),
                  tree AS (SELECT oid AS relid FROM named UNION SELECT t.relid FROM named, pg_partition_tree(named.oid) t)
             ${FIGURES} FROM tree JOIN pg_class c ON c.oid = tree.relid WHERE c.relkind = 'i'`,
      values: [scope.index.schema, scope.index.name],
    };
  }
  return {
    text: `WITH tree AS (SELECT $1::oid AS relid UNION SELECT relid FROM pg_partition_tree($1::oid::regclass)),
                tables AS (SELECT relid FROM tree UNION SELECT c.reltoastrelid FROM tree JOIN pg_class c ON c.oid = tree.relid WHERE c.reltoastrelid <> 0)
           ${FIGURES} FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relkind = 'i' AND i.indrelid IN (SELECT relid FROM tables)`,
    values: [scope.table],
  };
}

export async function indexFootprint(session: StatementSession, scope: FootprintScope): Promise<IndexFootprint> {
  const { text, values } = footprintQuery(scope);
  const { rows } = await session.query<IndexFootprint>(text, values);
  return { indexes: rows[0]?.indexes ?? 0, bytes: rows[0]?.bytes ?? 0 };
}
