/**
 * The workload: distinct statements run by their own role, so that
 * pg_stat_statements holds as many normalized statements as asked. Literals
 * are inlined, so the server normalizes them to $1 and each (table, shape)
 * pair is one entry. Statements run 1 to 5 times each, so their totals differ
 * and a top-N has something to choose.
 */
import pg from 'pg';
import { queryOnce } from '../../../test/harness/postgresCluster.js';
import { progress } from '../progress.js';
import { tableName } from './tables.js';

const CONNECTIONS = 4;

const SHAPES: ReadonlyArray<(table: string, k: number) => string> = [
  (t, k) => `SELECT count(*) FROM ${t} WHERE n = ${k % 97}`,
  (t, k) => `SELECT id, payload FROM ${t} WHERE id = ${k}`,
  (t, k) => `SELECT max(n), min(id) FROM ${t} WHERE id > ${k}`,
  (t, k) => `SELECT payload FROM ${t} ORDER BY n DESC LIMIT ${1 + (k % 10)}`,
];

function statement(i: number, tables: number, call: number): string {
  const shape = SHAPES[Math.floor(i / tables)]!;
  return shape(tableName((i % tables) + 1), i * 7 + call);
}

export async function createStatements(dsn: string, tables: number, count: number): Promise<void> {
  if (count > tables * SHAPES.length) throw new Error(`at most ${tables * SHAPES.length} distinct statements with ${tables} tables`);
  let next = 0;
  const worker = async () => {
    const client = new pg.Client({ connectionString: dsn, application_name: 'upkeep-bench-workload' });
    // A server stopped under an idle client (Ctrl-C) is an 'error' event; the query in flight, if any, rejects anyway.
    client.on('error', () => undefined);
    await client.connect();
    try {
      while (next < count) {
        const i = next++;
        for (let call = 0; call < 1 + (i % 5); call++) await client.query(statement(i, tables, call));
        if (i > 0 && i % 1000 === 0) progress(`statements: ${i}/${count}`);
      }
    } finally {
      await client.end();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const [row] = await queryOnce<{ n: number }>(dsn, `SELECT count(*)::int AS n FROM pg_stat_statements WHERE userid = current_user::regrole`);
  progress(`pg_stat_statements holds ${row?.n ?? 0} statements of the workload role`);
}
