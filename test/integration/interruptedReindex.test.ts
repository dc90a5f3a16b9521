/**
 * An exporter that dies during REINDEX CONCURRENTLY leaves an invalid
 * `_ccnew` index; when the job is marked interrupted, reindex's
 * cleanUpInterrupted drops the leftovers of that run, and only those.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reindex } from '../../exporter/src/actions/reindex.js';
import { silentLogger } from '../../exporter/src/log.js';
import { PostgresTarget } from '../../exporter/src/targets/postgres.js';
import { runActionDirectly } from '../harness/actions.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';
import { eventually, postgresTargetConfig, queryOnce } from '../harness/index.js';

let db: TestDatabase;
let target: PostgresTarget;

/** Leaves an invalid index named `name` behind: a CREATE INDEX CONCURRENTLY cancelled while it waits for an old snapshot. */
async function invalidIndex(name: string): Promise<number> {
  const snapshot = new pg.Client({ connectionString: db.dsn });
  const builder = new pg.Client({ connectionString: db.dsn, application_name: 'cic-builder' });
  await Promise.all([snapshot.connect(), builder.connect()]);
  builder.on('error', () => undefined);
  try {
    await snapshot.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await snapshot.query('SELECT count(*) FROM orders');
    const building = builder.query(`CREATE INDEX CONCURRENTLY ${name} ON orders (note)`).catch((err: unknown) => err);
    await eventually(
      async () => (await queryOnce(db.dsn, 'SELECT 1 FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = $1 AND NOT i.indisvalid', [name])).length === 1,
      'the concurrent build to register its invalid index',
    );
    await queryOnce(db.dsn, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'cic-builder'");
    await building;
  } finally {
    await snapshot.end();
    await builder.end();
  }
  const [row] = await queryOnce<{ oid: number }>(db.dsn, 'SELECT oid::int AS oid FROM pg_class WHERE relname = $1', [name]);
  return row!.oid;
}

const indexes = async () => (await queryOnce<{ relname: string }>(db.dsn, "SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE 'orders%' ORDER BY relname")).map((r) => r.relname);

beforeAll(async () => {
  db = await createTestDatabase('interrupted_reindex');
  await queryOnce(db.dsn, 'CREATE TABLE orders (id int PRIMARY KEY, note text)');
  await queryOnce(db.dsn, "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 1000) g");
  target = new PostgresTarget(await postgresTargetConfig({ name: 'main', dsn: db.dsn }), silentLogger);
  await target.probe();
});

afterAll(async () => {
  await target?.close();
  await db?.drop();
});

describe('reindex after its exporter died', () => {
  it("drops the run's _ccnew leftover and keeps an invalid index that existed before the run", async () => {
    const older = await invalidIndex('orders_note_idx_ccold');
    await invalidIndex('orders_pkey_ccnew');
    const [table] = await queryOnce<{ oid: number }>(db.dsn, "SELECT 'orders'::regclass::oid::int AS oid");
    expect('cleanUpInterrupted' in reindex).toBe(true);
    const cleaned = await reindex.cleanUpInterrupted!({
      target,
      jobId: 'b3a1c2d4-0000-4000-8000-000000000000',
      log: silentLogger,
      // What the job had saved with its progress when it died (its backend is long gone).
      progress: { phase: 'reindexing', detail: { recovery: { database: db.name, scope: { table: table!.oid }, before: [older], pid: 999_999 } } },
    });
    expect(cleaned).toEqual({ dropped: ['public.orders_pkey_ccnew'], failed: [] });
    expect(await indexes()).toEqual(['orders_note_idx_ccold', 'orders_pkey']);
  });

  it('is given what it needs by the run itself: the REINDEX phase saves its database, scope, earlier invalid indexes and backend', async () => {
    const run = await runActionDirectly(reindex, target, { table: 'public.orders' });
    const reported = run.progress.find((p) => p.phase === 'reindexing' && p.detail?.recovery !== undefined);
    const [table] = await queryOnce<{ oid: number }>(db.dsn, "SELECT 'orders'::regclass::oid::int AS oid");
    const [older] = await queryOnce<{ oid: number }>(db.dsn, "SELECT oid::int AS oid FROM pg_class WHERE relname = 'orders_note_idx_ccold'");
    expect(reported?.detail?.recovery).toEqual({ database: db.name, scope: { table: table!.oid }, before: [older!.oid], pid: expect.any(Number) as number });
  });

  it('does nothing for a job that had not reached its REINDEX', async () => {
    const cleaned = await reindex.cleanUpInterrupted!({ target, jobId: 'b3a1c2d4-0000-4000-8000-000000000001', log: silentLogger, progress: { phase: 'connecting' } });
    expect(cleaned).toMatchObject({ dropped: [] });
  });
});
