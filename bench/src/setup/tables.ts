/**
 * The tables: each with a primary key and a text column (so it also has an
 * index and a TOAST table, as real tables do), some rows, and deleted rows
 * that stay dead because autovacuum is off. Every 200th table is large
 * enough (about 1.5 MiB) to pass Upkeep's default 1 MiB floor for series of
 * its own; the rest stay below it, as most tables of a big schema do.
 *
 * Built server-side in DO blocks of a few hundred tables: one round trip per
 * batch, and each batch is one transaction, so its locks stay well inside
 * the default lock table.
 */
import { queryOnce } from '../../../test/harness/postgresCluster.js';
import { ROLES } from './roles.js';
import { ranges, runBatches } from './parallel.js';

const BATCH = 250;
const CONNECTIONS = 2;

/** SQL expression naming table `i` (t00001 …), used inside the DO blocks. */
const NAME = `'t' || lpad(i::text, 5, '0')`;

function createBatch(first: number, last: number): string {
  return `DO $$
DECLARE i int; n int;
BEGIN
  FOR i IN ${first}..${last} LOOP
    n := CASE WHEN i % 200 = 0 THEN 20000 ELSE 20 + (i * 37) % 180 END;
    EXECUTE format('CREATE TABLE public.%I (id int PRIMARY KEY, n int NOT NULL, payload text)', ${NAME});
    EXECUTE format('INSERT INTO public.%I SELECT g, g %% 97, md5(g::text) FROM generate_series(1, %s) g', ${NAME}, n);
  END LOOP;
END $$`;
}

/** A quarter of the rows of most tables, half of every tenth table's: dead tuples and bloat. */
function deleteBatch(first: number, last: number): string {
  return `DO $$
DECLARE i int;
BEGIN
  FOR i IN ${first}..${last} LOOP
    EXECUTE format('DELETE FROM public.%I WHERE id %% %s = 0', ${NAME}, CASE WHEN i % 10 = 0 THEN 2 ELSE 4 END);
  END LOOP;
END $$`;
}

/** In its own transactions after the deletes, so the statistics see the dead rows as dead. */
function analyzeBatch(first: number, last: number): string {
  return `DO $$
DECLARE i int;
BEGIN
  FOR i IN ${first}..${last} LOOP
    EXECUTE format('ANALYZE public.%I', ${NAME});
  END LOOP;
END $$`;
}

export function tableName(i: number): string {
  return `t${String(i).padStart(5, '0')}`;
}

export async function createTables(dsn: string, count: number): Promise<void> {
  if (count > 99_999) throw new Error('at most 99999 tables (names are t00001 …)');
  const all = ranges(count, BATCH);
  await runBatches(dsn, all.map(([a, b]) => createBatch(a, b)), CONNECTIONS, 'create tables');
  await runBatches(dsn, all.map(([a, b]) => deleteBatch(a, b)), CONNECTIONS, 'delete rows');
  await runBatches(dsn, all.map(([a, b]) => analyzeBatch(a, b)), CONNECTIONS, 'analyze');
  await queryOnce(dsn, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ROLES.workload}`);
}
