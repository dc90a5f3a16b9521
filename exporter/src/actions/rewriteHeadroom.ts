/**
 * Room on disk for a job that writes a second copy of relations before it
 * drops the first: REINDEX CONCURRENTLY builds each new index beside the
 * old one, VACUUM FULL writes the table and its indexes anew. Running out
 * of space half-way fills the data filesystem and stops the whole server,
 * so the room is checked before anything starts.
 *
 * How much: one table at a time. REINDEX TABLE CONCURRENTLY builds all new
 * indexes of a table before dropping the old ones, but a partitioned table
 * or a whole database is done one partition or table after the other, so
 * the largest single table sets the need. Where: in the tablespace of each
 * relation (the data directory for the default one).
 *
 * The free space can only be measured where the data is: when the server
 * runs on this machine (the same rule as pg_disk, dataDirectoryLocality.ts).
 * Otherwise the job goes ahead and its result says the room was not checked
 * and why.
 */
import { readGuarded, readServerFacts } from '../collectors/pgDisk.js';
import { decideLocality } from '../targets/dataDirectoryLocality.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { requireHeadroom } from './diskHeadroom.js';
import { ActionRejection } from './types.js';

const LOCK_NOT_AVAILABLE = '55P03';

export type RewriteScope = { table: number } | { index: number } | 'database';

/** What gets a second copy: the indexes (REINDEX) or tables with TOAST and indexes (VACUUM FULL). */
export type Rewritten = 'indexes' | 'tables';

export type HeadroomCheck =
  | { checked: true; neededBytes: number; paths: { path: string; neededBytes: number; availableBytes: number }[] }
  | { checked: false; neededBytes: number; reason: string; message: string };

/** Each "unit" is one table done on its own; `relid` the relations of it that are rewritten. */
function unitsQuery(scope: RewriteScope, rewritten: Rewritten): { text: string; values: unknown[] } {
  if (typeof scope === 'object' && 'index' in scope) {
    return {
      text: `WITH tree AS (SELECT $1::oid AS relid UNION SELECT relid FROM pg_partition_tree($1::oid::regclass)),
                  rels AS (SELECT i.indrelid AS unit, i.indexrelid AS relid
                             FROM tree JOIN pg_index i ON i.indexrelid = tree.relid JOIN pg_class c ON c.oid = i.indexrelid
                            WHERE c.relkind = 'i')`,
      values: [scope.index],
    };
  }
  const units =
    scope === 'database'
      ? // REINDEX DATABASE CONCURRENTLY skips the system catalogs; VACUUM FULL does not.
        `units AS (SELECT c.oid AS unit FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'm') AND n.nspname !~ '^pg_(toast_)?temp_'
                      ${rewritten === 'indexes' ? `AND n.nspname NOT IN ('pg_catalog', 'information_schema')` : ''})`
      : `tree AS (SELECT $1::oid AS relid UNION SELECT relid FROM pg_partition_tree($1::oid::regclass)),
         units AS (SELECT c.oid AS unit FROM tree JOIN pg_class c ON c.oid = tree.relid WHERE c.relkind IN ('r', 'm'))`;
  const heaps = rewritten === 'tables' ? `SELECT u.unit UNION ALL SELECT t.reltoastrelid WHERE t.reltoastrelid <> 0 UNION ALL ` : '';
  return {
    text: `WITH ${units},
                rels AS (SELECT u.unit, r.relid
                           FROM units u JOIN pg_class t ON t.oid = u.unit
                           CROSS JOIN LATERAL (${heaps}SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (u.unit, t.reltoastrelid)) r (relid))`,
    values: scope === 'database' ? [] : [scope.table],
  };
}

interface NeedRow {
  location: string;
  bytes: number;
}

/** Bytes needed per tablespace location ('' for the data directory): the largest unit's. */
async function spaceNeeded(target: PostgresTarget, database: string, scope: RewriteScope, rewritten: Rewritten): Promise<NeedRow[]> {
  const { text, values } = unitsQuery(scope, rewritten);
  try {
    const { rows } = await target.queryDatabase<NeedRow>(
      database,
      `${text}
       SELECT location, max(bytes)::float8 AS bytes
         FROM (SELECT rels.unit, pg_tablespace_location(coalesce(nullif(c.reltablespace, 0), d.dattablespace)) AS location,
                      sum(coalesce(pg_relation_size(c.oid), 0)) AS bytes
                 FROM rels JOIN pg_class c ON c.oid = rels.relid
                 CROSS JOIN (SELECT dattablespace FROM pg_database WHERE datname = current_database()) d
                GROUP BY 1, 2) per_unit
        GROUP BY location`,
      values,
    );
    return rows;
  } catch (error) {
    // pg_relation_size() locks each relation: one held exclusively by someone
    // else (a VACUUM FULL or ALTER TABLE under way) makes it wait until the
    // pool's lock_timeout, and the job could not start now anyway.
    if ((error as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE) {
      throw new ActionRejection(409, 'relation_locked', 'another session holds a lock on the relations to rebuild (a VACUUM FULL or ALTER TABLE under way?); try again later');
    }
    throw error;
  }
}

/**
 * Rejects the job (422) when a local data filesystem lacks the room;
 * reports what it found, or why it could not look.
 */
export async function checkRewriteHeadroom(
  target: PostgresTarget,
  database: string,
  scope: RewriteScope,
  rewritten: Rewritten,
  what: string,
): Promise<HeadroomCheck> {
  const needs = await spaceNeeded(target, database, scope, rewritten);
  const neededBytes = needs.reduce((sum, n) => sum + n.bytes, 0);
  const locality = await decideLocality(target.config.dsn, () => readServerFacts(target), readGuarded);
  if (!locality.local) return { checked: false, neededBytes, reason: locality.reason, message: `free space not checked: ${locality.message}` };
  const paths = [];
  for (const need of needs) {
    // pg_tablespace_location() is '' for pg_default: the data directory itself.
    const path = need.location === '' ? locality.dataDirectory : need.location;
    paths.push(await requireHeadroom(path, need.bytes, what));
  }
  return { checked: true, neededBytes, paths };
}
