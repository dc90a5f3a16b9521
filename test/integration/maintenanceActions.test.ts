/**
 * vacuum, analyze and reindex against the real primary, in databases of the
 * test's own: dead rows gone after a vacuum, statistics renewed by analyze,
 * indexes rebuilt (new files) by reindex; unknown or hostile names refused
 * before anything runs; a cancelled or failed job leaves neither a backend
 * nor an invalid `_ccnew` index behind; a lock held by someone else fails
 * the job after lock_timeout instead of queueing forever.
 *
 * A second database has vacuum_cost_delay set (ALTER DATABASE), so a vacuum
 * there crawls through a small table: slow enough to watch its progress and
 * cancel it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ZodError } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../exporter/src/actions/analyze.js';
import { MaintenanceCancelled, MaintenanceFailure } from '../../exporter/src/actions/maintenanceStatement.js';
import { reindex } from '../../exporter/src/actions/reindex.js';
import { ActionRejection, requiredRole, type AnyAction, type JobProgress } from '../../exporter/src/actions/types.js';
import { vacuum } from '../../exporter/src/actions/vacuum.js';
import { silentLogger } from '../../exporter/src/log.js';
import { PostgresTarget } from '../../exporter/src/targets/postgres.js';
import { runActionDirectly, type DirectRun } from '../harness/actions.js';
import { eventually, harness, postgresTargetConfig, queryOnce } from '../harness/index.js';
import { rejectionOf } from '../harness/rejection.js';

const DB = 'upkeep_maintenance_actions';
const SLOW_DB = 'upkeep_maintenance_slow';
/** Owns nothing: may connect, may not maintain the tables. */
const WEAK_ROLE = 'upkeep_maintenance_weak';
const dsnOf = (database: string, user = 'postgres') => harness().primary.dsn.replace(/\/\/[^@]+@/, `//${user}@`).replace(/\/postgres$/, `/${database}`);
const sql = <R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = []) => queryOnce<R>(dsnOf(DB), text, params);

/** The target connects to DB itself; `server` to the postgres database, so `database` must be given. */
let own: PostgresTarget;
let server: PostgresTarget;
const holders: pg.Client[] = [];

interface TableStats {
  n_dead_tup: number;
  vacuum_count: number;
  analyze_count: number;
  last_vacuum: Date | null;
  last_analyze: Date | null;
}

async function stats(table: string, database = DB): Promise<TableStats> {
  const rows = await queryOnce<TableStats>(
    dsnOf(database),
    `SELECT n_dead_tup::int, vacuum_count::int, analyze_count::int, last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = $1`,
    [table],
  );
  if (!rows[0]) throw new Error(`no statistics for ${table}`);
  return rows[0];
}

const filenode = async (relation: string) => (await sql<{ f: string }>(`SELECT pg_relation_filenode($1::regclass)::text AS f`, [relation]))[0]!.f;

async function leftoverIndexes(): Promise<string[]> {
  const rows = await sql<{ name: string }>(`SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND c.relname ~ '_cc(new|old)[0-9]*$'`);
  return rows.map((r) => r.name);
}

async function jobBackends(jobId: string): Promise<number> {
  const rows = await queryOnce<{ n: number }>(harness().primary.dsn, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [`upkeep-job:${jobId}`]);
  return rows[0]!.n;
}

/** A session of the test's own in `database`, e.g. to hold a lock or an old snapshot. */
async function holder(database = DB): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: dsnOf(database), application_name: 'lock-holder' });
  client.on('error', () => undefined);
  await client.connect();
  holders.push(client);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, pid: rows[0]!.pid };
}

async function release(client: pg.Client): Promise<void> {
  holders.splice(holders.indexOf(client), 1);
  await client.end();
}

function run(action: AnyAction, target: PostgresTarget, params: unknown, options: Parameters<typeof runActionDirectly>[3] = {}): Promise<DirectRun> {
  return runActionDirectly(action, target, params, options);
}

/** The figures in a result: before/after counts and sizes. */
interface Figures {
  [key: string]: number;
}
const resultOf = (r: DirectRun) => r.result as Record<string, unknown> & { before: Figures; after: Figures };

beforeAll(async () => {
  const admin = harness().primary.dsn;
  for (const db of [DB, SLOW_DB]) {
    await queryOnce(admin, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await queryOnce(admin, `CREATE DATABASE ${db}`);
  }
  // Autovacuum off on every table: the test decides when they are vacuumed.
  await sql(`CREATE TABLE orders (id int PRIMARY KEY, customer int, note text) WITH (autovacuum_enabled = off)`);
  await sql(`CREATE INDEX orders_customer_idx ON orders (customer)`);
  await sql(`INSERT INTO orders SELECT i, i % 100, repeat('n', 80) FROM generate_series(1, 20000) i`);
  await sql(`CREATE TABLE notes (id int, body text) WITH (autovacuum_enabled = off)`);
  await sql(`INSERT INTO notes SELECT i, repeat('b', 200) FROM generate_series(1, 5000) i`);
  await sql(`CREATE TABLE victim (id int) WITH (autovacuum_enabled = off)`);
  await sql(`CREATE TABLE locked (id int) WITH (autovacuum_enabled = off)`);
  await sql(`CREATE TABLE tags (id int) WITH (autovacuum_enabled = off)`);
  await sql(`INSERT INTO tags VALUES (1), (1)`);
  await sql(`CREATE TABLE booking (during tsrange, EXCLUDE USING gist (during WITH &&))`);
  await sql(`CREATE TABLE events (id int, at date) PARTITION BY RANGE (at)`);
  await sql(`CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') WITH (autovacuum_enabled = off)`);
  await sql(`CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') WITH (autovacuum_enabled = off)`);
  await sql(`CREATE INDEX events_id_idx ON events (id)`);
  await sql(`INSERT INTO events SELECT i, date '2024-01-01' + (i % 700) FROM generate_series(1, 7000) i`);
  // Cost-based delay makes a manual VACUUM in this database sleep 100 ms per page.
  await queryOnce(admin, `ALTER DATABASE ${SLOW_DB} SET vacuum_cost_delay = '100ms'`);
  await queryOnce(admin, `ALTER DATABASE ${SLOW_DB} SET vacuum_cost_limit = 1`);
  await queryOnce(dsnOf(SLOW_DB), `CREATE TABLE big (id int, v text) WITH (autovacuum_enabled = off)`);
  await queryOnce(dsnOf(SLOW_DB), `INSERT INTO big SELECT i, 'x' FROM generate_series(1, 100000) i`);

  await queryOnce(admin, `DROP ROLE IF EXISTS ${WEAK_ROLE}`);
  await queryOnce(admin, `CREATE ROLE ${WEAK_ROLE} LOGIN`);

  own = new PostgresTarget(await postgresTargetConfig({ name: 'own', dsn: dsnOf(DB) }), silentLogger);
  server = new PostgresTarget(await postgresTargetConfig({ name: 'server', dsn: harness().primary.dsn }), silentLogger);
});

afterAll(async () => {
  await Promise.all(holders.splice(0).map((c) => c.end().catch(() => undefined)));
  await Promise.all([own?.close(), server?.close()]);
  for (const db of [DB, SLOW_DB]) await queryOnce(harness().primary.dsn, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await queryOnce(harness().primary.dsn, `DROP ROLE IF EXISTS ${WEAK_ROLE}`);
});

describe('vacuum', () => {
  it('removes the dead rows of the table, in the target’s own database by default', async () => {
    await sql('DELETE FROM orders WHERE id > 4000');
    await eventually(async () => (await stats('orders')).n_dead_tup === 16000, 'the dead rows counted');
    const done = await run(vacuum, own, { table: 'public.orders' });
    const oid = (await sql<{ oid: number }>(`SELECT 'public.orders'::regclass::oid AS oid`))[0]!.oid;
    expect(done.scope).toBe(`table:${DB}:${oid}`);
    const result = resultOf(done);
    expect(result).toMatchObject({ dryRun: false, database: DB, table: 'public.orders', statements: ['VACUUM public.orders'] });
    expect(result.before.deadTuples).toBe(16000);
    expect(result.after.deadTuples).toBe(0);
    expect(result.durationMs).toEqual(expect.any(Number));
    const after = await stats('orders');
    expect(after.n_dead_tup).toBe(0);
    expect(after.vacuum_count).toBe(1);
    expect(done.progress.map((p) => p.phase)).toContain('connecting');
  });

  it('with dryRun says what it would run and changes nothing', async () => {
    await sql('DELETE FROM notes WHERE id > 1000');
    await eventually(async () => (await stats('notes')).n_dead_tup === 4000, 'the dead rows counted');
    const done = await run(vacuum, server, { database: DB, table: 'public.notes' }, { dryRun: true });
    expect(done.result).toMatchObject({ dryRun: true, statements: ['VACUUM public.notes'], before: { deadTuples: 4000, liveTuples: 1000 } });
    expect(resultOf(done).before.totalBytes).toBeGreaterThan(1_000_000);
    expect(await stats('notes')).toMatchObject({ n_dead_tup: 4000, vacuum_count: 0, last_vacuum: null });
  });

  it('with full: true rewrites the table (admin only), then leaves the statistics true', async () => {
    expect(requiredRole(vacuum, vacuum.params.parse({ full: true })).role).toBe('admin');
    expect(requiredRole(vacuum, vacuum.params.parse({})).role).toBe('operator');
    const before = await filenode('public.notes');
    const done = await run(vacuum, own, { table: 'public.notes', full: true });
    const result = resultOf(done);
    expect(result.statements).toEqual(['VACUUM (FULL) public.notes', 'VACUUM public.notes']);
    expect(result.headroom).toMatchObject({ checked: true, paths: [expect.objectContaining({ neededBytes: expect.any(Number) as number })] });
    expect(result.after.totalBytes).toBeLessThan(result.before.totalBytes! / 2);
    expect(result.after.deadTuples).toBe(0);
    expect(await filenode('public.notes')).not.toBe(before);
    expect((await stats('notes')).n_dead_tup).toBe(0);
  });

  it('of a partitioned table covers its partitions', async () => {
    await sql(`DELETE FROM events WHERE id % 2 = 0`);
    await eventually(async () => (await stats('events_2024')).n_dead_tup + (await stats('events_2025')).n_dead_tup === 3500, 'the dead rows counted');
    const result = resultOf(await run(vacuum, own, { table: 'public.events' }));
    expect(result.before.deadTuples).toBe(3500);
    expect(result.after.deadTuples).toBe(0);
    expect((await stats('events_2025')).vacuum_count).toBe(1);
  });

  it('of the whole database reaches every table and locks the database scope', async () => {
    const done = await run(vacuum, server, { database: DB });
    expect(done.scope).toBe(`database:${DB}`);
    expect(done.result).toMatchObject({ table: null, statements: ['VACUUM (SKIP_LOCKED)'], notReached: { count: 0, tables: [] } });
    expect((await stats('victim')).vacuum_count).toBe(1);
  });

  it('of the whole database passes over a table someone holds locked, and names it', async () => {
    const { client } = await holder();
    await client.query('BEGIN');
    await client.query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
    const started = Date.now();
    const done = await run(vacuum, server, { database: DB });
    const took = Date.now() - started;
    await client.query('ROLLBACK');
    await release(client);
    expect(done.result).toMatchObject({ notReached: { count: 1, tables: ['public.locked'] } });
    expect(took).toBeLessThan(4000);
  });

  it('of a whole database counts the tables done in its progress', async () => {
    const controller = new AbortController();
    const jobId = randomUUID();
    let counted: JobProgress | undefined;
    const job = run(vacuum, server, { database: SLOW_DB }, {
      jobId,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.detail?.tablesTotal !== undefined && !controller.signal.aborted) {
          counted = p;
          controller.abort();
        }
      },
    });
    await rejectionOf(job, MaintenanceCancelled);
    // Every table and materialized view, the system catalogs included.
    expect(counted?.detail).toMatchObject({ tablesDone: expect.any(Number) as number, doing: 'VACUUM (SKIP_LOCKED)' });
    expect(counted?.detail?.tablesTotal).toBeGreaterThan(60);
    expect(counted?.percent).toBeGreaterThanOrEqual(0);
    expect(counted?.percent).toBeLessThan(100);
    await eventually(async () => (await jobBackends(jobId)) === 0, 'no backend of the job left', 5000);
  });

  it('reports progress from pg_stat_progress_vacuum and, cancelled, ends its backend at once', async () => {
    const controller = new AbortController();
    const jobId = randomUUID();
    let cancelledAt = 0;
    const seen: JobProgress[] = [];
    const job = run(vacuum, server, { database: SLOW_DB, table: 'public.big' }, {
      jobId,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.phase === 'scanning heap' && (p.percent ?? 0) > 0 && !controller.signal.aborted) {
          cancelledAt = Date.now();
          controller.abort();
        }
      },
    });
    const error = await rejectionOf(job, MaintenanceCancelled);
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
    expect(error.message).toMatch(/VACUUM public\.big .*was cancelled/);
    const scanning = seen.find((p) => p.phase === 'scanning heap')!;
    expect(scanning.detail).toMatchObject({ relation: 'public.big', heap_blks_total: expect.any(Number) as number, doing: 'VACUUM public.big' });
    expect(scanning.percent).toBeLessThan(100);
    await eventually(async () => (await jobBackends(jobId)) === 0, 'no backend of the job left', 5000);
    expect((await stats('big', SLOW_DB)).vacuum_count).toBe(0);
  });

  it('gives up with a clear message when another session holds a lock on the table', { timeout: 30_000 }, async () => {
    const { client, pid } = await holder();
    await client.query('BEGIN');
    await client.query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
    const jobId = randomUUID();
    const started = Date.now();
    const error = await rejectionOf(run(vacuum, own, { table: 'public.locked' }, { jobId }), MaintenanceFailure);
    const waited = Date.now() - started;
    await client.query('ROLLBACK');
    await release(client);
    expect(error.code).toBe('lock_timeout');
    expect(error.message).toMatch(/gave up after waiting 5 s for a lock held by another session/);
    expect(error.message).toContain(`pid ${pid}`);
    expect(waited).toBeGreaterThanOrEqual(4500);
    expect(waited).toBeLessThan(15_000);
    expect(await jobBackends(jobId)).toBe(0);
  });
});

describe('analyze', () => {
  it('renews the statistics of the table', async () => {
    const before = await stats('orders');
    const result = resultOf(await run(analyze, own, { table: 'public.orders', full: false }));
    expect(result.statements).toEqual(['ANALYZE public.orders']);
    const after = await stats('orders');
    expect(after.analyze_count).toBe(before.analyze_count + 1);
    expect(after.last_analyze!.getTime()).toBeGreaterThan(before.last_analyze?.getTime() ?? 0);
    expect(result.after).toMatchObject({ lastAnalyze: expect.any(String) as string });
  });

  it('of the whole database reaches every table', async () => {
    const done = await run(analyze, server, { database: DB });
    expect(done.result).toMatchObject({ statements: ['ANALYZE (SKIP_LOCKED)'], notReached: { count: 0 } });
  });

  it('accepts full only as false', () => {
    expect(() => analyze.params.parse({ full: true })).toThrow(ZodError);
    expect(analyze.params.parse({ full: false })).toEqual({ full: false });
    expect(requiredRole(analyze, {}).role).toBe('operator');
  });
});

describe('reindex', () => {
  it('rebuilds an index: new file, valid, no leftover, room checked on the data directory', async () => {
    const before = await filenode('public.orders_customer_idx');
    const done = await run(reindex, server, { database: DB, index: 'public.orders_customer_idx' });
    const table = (await sql<{ oid: number }>(`SELECT 'public.orders'::regclass::oid AS oid`))[0]!.oid;
    expect(done.scope).toBe(`table:${DB}:${table}`);
    const result = resultOf(done);
    expect(result).toMatchObject({ statement: 'REINDEX INDEX CONCURRENTLY public.orders_customer_idx', invalidIndexesFound: [], leftoversDropped: [] });
    expect(result.headroom).toMatchObject({ checked: true, paths: [{ path: harness().primary.dataDir, neededBytes: result.before.bytes }] });
    expect(result.before).toMatchObject({ indexes: 1, bytes: expect.any(Number) as number });
    expect(result.after.indexes).toBe(1);
    expect(await filenode('public.orders_customer_idx')).not.toBe(before);
    expect(await leftoverIndexes()).toEqual([]);
    expect(done.progress.length).toBeGreaterThan(0);
  });

  it('rebuilds every index of a table, partitioned ones included', async () => {
    const before = await Promise.all(['public.orders_pkey', 'public.orders_customer_idx'].map(filenode));
    await run(reindex, own, { table: 'public.orders' });
    const after = await Promise.all(['public.orders_pkey', 'public.orders_customer_idx'].map(filenode));
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);

    const partitionIndex = (await sql<{ name: string }>(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'events_2024'::regclass`))[0]!.name;
    const partitionBefore = await filenode(partitionIndex);
    const result = resultOf(await run(reindex, own, { table: 'public.events' }));
    expect(result.before.indexes).toBe(2);
    expect(await filenode(partitionIndex)).not.toBe(partitionBefore);
  });

  it('with dryRun says what it would run and rebuilds nothing', async () => {
    const before = await filenode('public.orders_pkey');
    const done = await run(reindex, own, { index: 'public.orders_pkey' }, { dryRun: true });
    expect(done.result).toMatchObject({ dryRun: true, statement: 'REINDEX INDEX CONCURRENTLY public.orders_pkey' });
    expect(await filenode('public.orders_pkey')).toBe(before);
  });

  it('reports an invalid index found on the table and leaves it alone', async () => {
    await expect(sql('CREATE UNIQUE INDEX CONCURRENTLY tags_id_unique ON tags (id)')).rejects.toThrow(/could not create unique index/);
    const result = resultOf(await run(reindex, own, { table: 'public.tags' }));
    expect(result.invalidIndexesFound).toEqual([expect.objectContaining({ index: 'public.tags_id_unique', table: 'public.tags', reindexLeftover: false })]);
    expect(await sql(`SELECT 1 FROM pg_index WHERE indexrelid = 'public.tags_id_unique'::regclass AND NOT indisvalid`)).toHaveLength(1);
  });

  it('needs an admin for a whole database, an operator for a table or index', () => {
    expect(requiredRole(reindex, {}).role).toBe('admin');
    expect(requiredRole(reindex, { database: DB }).role).toBe('admin');
    expect(requiredRole(reindex, { table: 'public.orders' }).role).toBe('operator');
    expect(requiredRole(reindex, { index: 'public.orders_pkey' }).role).toBe('operator');
    expect(() => reindex.params.parse({ table: 'public.orders', index: 'public.orders_pkey' })).toThrow(ZodError);
  });

  it('refuses an index backing an exclusion constraint', async () => {
    const error = await rejectionOf(run(reindex, own, { index: 'public.booking_during_excl' }), ActionRejection);
    expect(error).toMatchObject({ status: 422, code: 'exclusion_constraint' });
  });

  it('cancelled while waiting for old snapshots, drops the _ccnew index it left', { timeout: 30_000 }, async () => {
    const { client } = await holder();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await client.query('SELECT 1'); // takes the snapshot REINDEX CONCURRENTLY must outwait
    const controller = new AbortController();
    const jobId = randomUUID();
    let cancelledAt = 0;
    const job = run(reindex, own, { index: 'public.orders_customer_idx' }, {
      jobId,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'waiting for old snapshots' && !controller.signal.aborted) {
          cancelledAt = Date.now();
          controller.abort();
        }
      },
    });
    const error = await rejectionOf(job, MaintenanceCancelled);
    const took = Date.now() - cancelledAt;
    await client.query('COMMIT');
    await release(client);
    expect(cancelledAt).toBeGreaterThan(0);
    expect(took).toBeLessThan(5000);
    expect(error.message).toMatch(/was cancelled; dropped the invalid index it left: public\.orders_customer_idx_ccnew/);
    expect(error.details).toMatchObject({ cleanup: { dropped: ['public.orders_customer_idx_ccnew'], failed: [] } });
    expect(await leftoverIndexes()).toEqual([]);
    expect(await jobBackends(jobId)).toBe(0);
  });

  it('failing on lock_timeout, says who held it and drops its leftover', { timeout: 30_000 }, async () => {
    const { client, pid } = await holder();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await client.query('SELECT 1');
    const jobId = randomUUID();
    const started = Date.now();
    const error = await rejectionOf(run(reindex, own, { table: 'public.orders' }, { jobId }), MaintenanceFailure);
    const waited = Date.now() - started;
    await client.query('COMMIT');
    await release(client);
    expect(error.code).toBe('lock_timeout');
    expect(error.message).toContain(`REINDEX TABLE CONCURRENTLY public.orders gave up after waiting 5 s for a lock`);
    expect(error.message).toContain(`pid ${pid}`);
    expect(error.message).toMatch(/dropped the invalid indexes it left: .*_ccnew/);
    expect(waited).toBeGreaterThanOrEqual(4500);
    expect(waited).toBeLessThan(20_000);
    expect(await leftoverIndexes()).toEqual([]);
    expect(await jobBackends(jobId)).toBe(0);
  });
});

describe('names are resolved through the catalog before anything runs', () => {
  const hostile = [
    `public.orders; DROP TABLE public.victim`,
    `public.victim'; DROP TABLE public.victim; --`,
    `public."orders"`,
    `public.ORDERS`,
    `"public".orders`,
  ];

  it.each(hostile)('an unknown or hostile table %j is a 404', async (table) => {
    const before = await stats('orders');
    const error = await rejectionOf(run(vacuum, own, { table }), ActionRejection);
    expect(error).toMatchObject({ status: 404, code: 'unknown_table' });
    expect(await stats('orders')).toMatchObject({ vacuum_count: before.vacuum_count, analyze_count: before.analyze_count });
  });

  it('a name with a NUL character is refused by the params schema: PostgreSQL text cannot hold one', () => {
    for (const action of [vacuum, analyze, reindex]) {
      expect(action.params.safeParse({ table: 'public.orders\u0000' }).success).toBe(false);
      expect(action.params.safeParse({ database: `${DB}\u0000` }).success).toBe(false);
    }
    expect(reindex.params.safeParse({ index: 'public.orders_pkey\u0000' }).success).toBe(false);
  });

  it('an unknown or hostile index or database is a 404, and nothing changed', async () => {
    const pkey = await filenode('public.orders_pkey');
    const index = await rejectionOf(run(reindex, own, { index: `public.orders_pkey; DROP TABLE public.victim` }), ActionRejection);
    expect(index).toMatchObject({ status: 404, code: 'unknown_index' });
    for (const database of [`${DB}; DROP TABLE victim`, `${DB}'--`, 'no_such_database', 'template0']) {
      const error = await rejectionOf(run(analyze, server, { database, table: 'public.orders' }), ActionRejection);
      expect(error).toMatchObject({ status: 404, code: 'unknown_database' });
    }
    expect(await filenode('public.orders_pkey')).toBe(pkey);
    expect(await sql(`SELECT 1 FROM public.victim`)).toEqual([]);
  });

  it('a name without a schema, or in a system schema, or of the wrong kind is a 422', async () => {
    const cases: [AnyAction, Record<string, string>, string][] = [
      [vacuum, { table: 'orders' }, 'schema_required'],
      [vacuum, { table: `victim; DROP TABLE victim` }, 'schema_required'],
      [analyze, { table: '.orders' }, 'schema_required'],
      [vacuum, { table: 'pg_catalog.pg_class' }, 'system_relation'],
      [reindex, { index: 'pg_toast.pg_toast_1262_index' }, 'system_relation'],
      [reindex, { table: 'information_schema.tables' }, 'system_relation'],
      [vacuum, { table: 'public.orders_pkey' }, 'not_a_table'],
      [reindex, { index: 'public.orders' }, 'not_an_index'],
    ];
    for (const [action, params, code] of cases) {
      const error = await rejectionOf(run(action, own, params), ActionRejection);
      expect({ params, status: error.status, code: error.code }).toEqual({ params, status: 422, code });
    }
    expect(await sql(`SELECT 1 FROM public.victim`)).toEqual([]);
  });
});

describe('the server and the role must allow it', () => {
  it('a standby is refused with 409', async () => {
    const standby = new PostgresTarget(await postgresTargetConfig({ name: 'standby', dsn: harness().standby.dsn }), silentLogger);
    try {
      const error = await rejectionOf(run(vacuum, standby, {}), ActionRejection);
      expect(error).toMatchObject({ status: 409, code: 'standby' });
    } finally {
      await standby.close();
    }
  });

  it('a table the role may not maintain is refused with 422; a database-wide run names what it could not reach', async () => {
    const weak = new PostgresTarget(await postgresTargetConfig({ name: 'weak', dsn: dsnOf(DB, WEAK_ROLE) }), silentLogger);
    try {
      const before = await stats('orders');
      for (const [action, params] of [
        [vacuum, { table: 'public.orders' }],
        [analyze, { table: 'public.orders' }],
        [reindex, { index: 'public.orders_pkey' }],
        [reindex, {}],
      ] as const) {
        const error = await rejectionOf(run(action, weak, params), ActionRejection);
        expect(error).toMatchObject({ status: 422, code: 'insufficient_privilege' });
        expect(error.message).toContain(WEAK_ROLE);
      }
      expect(await stats('orders')).toMatchObject({ vacuum_count: before.vacuum_count, analyze_count: before.analyze_count });
      // VACUUM skips tables it may not vacuum with a mere warning: the result says so.
      const done = await run(vacuum, weak, {});
      expect(resultOf(done).notReached).toMatchObject({ count: expect.any(Number) as number, tables: expect.arrayContaining(['public.orders']) as string[] });
    } finally {
      await weak.close();
    }
  });
});
