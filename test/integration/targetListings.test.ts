/**
 * What the Grafana app lists next to its buttons, read from a real server:
 * running sessions with the pid and query_start that cancel-query accepts,
 * and the dumps of a target's dump directory with their verification.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, waitForJob, type JobBody } from '../harness/api.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';
import { harness, queryOnce, startTestExporter, temporaryDirectory, type TestExporter } from '../harness/index.js';

const TOKEN = 'listings-viewer-and-admin-0123456789';
const VIEWER_TOKEN = 'listings-viewer-only-0123456789';

interface SessionBody {
  pid: number;
  database: string | null;
  state: string;
  queryStart: string;
  queryAgeSeconds: number;
  transactionAgeSeconds: number | null;
  stateAgeSeconds: number;
  blockedBy: number[];
  query: string | null;
  upkeepJobId: string | null;
}
type Sessions = { sessions: SessionBody[]; queryTextShown: boolean; truncated: boolean };

let state: TestDatabase;
let shop: TestDatabase;
let exporter: TestExporter;
let withText: TestExporter;
const clients: pg.Client[] = [];

async function session(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: shop.dsn, application_name: 'listings-test' });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

beforeAll(async () => {
  state = await createTestDatabase('listings_state');
  shop = await createTestDatabase('listings_shop');
  await queryOnce(shop.dsn, 'CREATE TABLE accounts (id int PRIMARY KEY, balance int)');
  await queryOnce(shop.dsn, 'INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 10) g');
  process.env.LISTINGS_TOKEN = TOKEN;
  const dumps = await temporaryDirectory('listings-dumps-');
  exporter = await startTestExporter(
    {
      postgres: [{ name: 'main', dsn: shop.dsn }],
      redis: [{ name: 'cache', url: harness().redis.url }],
      backups: [{ name: 'dumps', target: 'main', kind: 'dump-dir', path: dumps, binDir: harness().postgresBinDir }],
      state: { dsn: state.dsn },
      auth: { tokens: [{ name: 'ops', tokenEnv: 'LISTINGS_TOKEN', role: 'admin' }] },
    },
    { collectors: [] },
  );
  process.env.LISTINGS_VIEWER_TOKEN = VIEWER_TOKEN;
  withText = await startTestExporter(
    {
      postgres: [{ name: 'main', dsn: shop.dsn, statements: { queryText: true, queryTextMaxLength: 20 } }],
      auth: {
        tokens: [
          { name: 'ops', tokenEnv: 'LISTINGS_TOKEN', role: 'admin' },
          { name: 'dash', tokenEnv: 'LISTINGS_VIEWER_TOKEN', role: 'viewer' },
        ],
      },
    },
    { collectors: [] },
  );
  await exporter.jobs.ready();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await withText?.close();
  await exporter?.close();
  await shop?.drop();
  await state?.drop();
});

const listSessions = (base: string, query = '') => api<Sessions>(base, 'GET', `/api/v1/targets/main/sessions${query}`, { token: TOKEN });

describe('session listing', () => {
  it('lists long queries, idle transactions and blocked sessions longest first, without query text by default', async () => {
    const holder = await session();
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await holder.query('BEGIN');
    await holder.query('UPDATE accounts SET balance = 1 WHERE id = 1');
    const waiter = await session();
    const blocked = waiter.query('UPDATE accounts SET balance = 2 WHERE id = 1').catch(() => undefined);
    const sleeper = await session();
    const sleeping = sleeper.query('SELECT pg_sleep(30)').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1200));

    const listed = await listSessions(exporter.url, '?minAgeSeconds=1');
    expect(listed.status).toBe(200);
    expect(listed.body.queryTextShown).toBe(false);
    // The listing covers the whole server, where other test files run long queries of their own at the same time.
    const ours = listed.body.sessions.filter((x) => x.database === shop.name);
    const byState = (s: string) => ours.filter((x) => x.state === s);
    expect(byState('idle in transaction').map((x) => x.pid)).toEqual([holderPid]);
    expect(byState('idle in transaction')[0]!.transactionAgeSeconds).toBeGreaterThanOrEqual(1);
    const active = byState('active');
    expect(active).toHaveLength(2);
    const waiting = active.find((s) => s.blockedBy.length > 0);
    expect(waiting?.blockedBy).toEqual([holderPid]);
    expect(listed.body.sessions.every((s) => s.query === null && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(s.queryStart))).toBe(true);
    const ages = listed.body.sessions.map((s) => Math.max(s.queryAgeSeconds, s.transactionAgeSeconds ?? 0));
    expect([...ages].sort((a, b) => b - a)).toEqual(ages);

    const fresh = await listSessions(exporter.url, '?minAgeSeconds=3600');
    expect(fresh.body.sessions).toEqual([]);

    // Raw SQL carries literals: only callers who could act on it (operator or more) see it.
    const texts = await api<Sessions>(withText.url, 'GET', '/api/v1/targets/main/sessions?minAgeSeconds=1', { token: TOKEN });
    expect(texts.body.queryTextShown).toBe(true);
    for (const viewer of [{ token: VIEWER_TOKEN }, { token: TOKEN, headers: { 'X-Upkeep-Role-Limit': 'viewer' } }]) {
      const hidden = await api<Sessions>(withText.url, 'GET', '/api/v1/targets/main/sessions?minAgeSeconds=1', viewer);
      expect(hidden.body.queryTextShown).toBe(false);
      expect(hidden.body.sessions.length).toBeGreaterThan(0);
      expect(hidden.body.sessions.every((x) => x.query === null)).toBe(true);
    }
    expect(texts.body.sessions.map((s) => s.query)).toContain('SELECT pg_sleep(30)');
    expect(texts.body.sessions.map((s) => s.query)).toContain('UPDATE accounts SET ');

    // The listed pid and query_start are exactly what cancel-query takes.
    const sleeperRow = ours.find((s) => s.state === 'active' && s.blockedBy.length === 0)!;
    const job = await api<{ job: JobBody }>(exporter.url, 'POST', '/api/v1/jobs', {
      token: TOKEN,
      body: { action: 'cancel-query', target: 'main', params: { pid: sleeperRow.pid, queryStart: sleeperRow.queryStart } },
    });
    expect(job.status, JSON.stringify(job.body)).toBe(202);
    expect((await waitForJob(exporter.url, job.body.job.id, TOKEN)).status).toBe('succeeded');
    await sleeping;
    await holder.query('ROLLBACK');
    await blocked;
  });

  it('refuses what it cannot list with a JSON 4xx', async () => {
    expect((await api(exporter.url, 'GET', '/api/v1/targets/nope/sessions', { token: TOKEN })).status).toBe(404);
    const redis = await api<{ error: { code: string } }>(exporter.url, 'GET', '/api/v1/targets/cache/sessions', { token: TOKEN });
    expect([redis.status, redis.body.error.code]).toEqual([422, 'wrong_target_kind']);
    const bad = await api<{ error: { code: string } }>(exporter.url, 'GET', '/api/v1/targets/main/sessions?minAgeSeconds=-1', { token: TOKEN });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
    expect((await api(exporter.url, 'GET', '/api/v1/targets/main/sessions')).status).toBe(401);
    expect((await api(withText.url, 'GET', '/api/v1/targets/main/backups', { token: TOKEN })).status).toBe(422);
  });
});

describe('backup listing', () => {
  it('lists the dumps newest first with their verification, and says which count', async () => {
    const empty = await api<{ dumps: unknown[]; source: { name: string } }>(exporter.url, 'GET', '/api/v1/targets/main/backups', { token: TOKEN });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ source: { name: 'dumps' }, dumps: [] });

    for (const action of ['backup', 'backup', 'verify-backup']) {
      const job = await api<{ job: JobBody }>(exporter.url, 'POST', '/api/v1/jobs', { token: TOKEN, body: { action, target: 'main' } });
      expect(job.status, JSON.stringify(job.body)).toBe(202);
      expect((await waitForJob(exporter.url, job.body.job.id, TOKEN)).status).toBe('succeeded');
      // Dump names carry the second they were taken in.
      if (action === 'backup') await new Promise((r) => setTimeout(r, 1100));
    }
    const listed = await api<{ dumps: { file: string; finishedAt: string; counted: boolean; lastVerification: { ok: boolean } | null; sizeBytes: number }[] }>(
      exporter.url,
      'GET',
      '/api/v1/targets/main/backups',
      { token: TOKEN },
    );
    expect(listed.body.dumps).toHaveLength(2);
    const [newest, older] = listed.body.dumps;
    expect(Date.parse(newest!.finishedAt)).toBeGreaterThan(Date.parse(older!.finishedAt));
    expect(newest).toMatchObject({ counted: true, lastVerification: { ok: true } });
    expect(older).toMatchObject({ counted: true, lastVerification: null });
    expect(newest!.sizeBytes).toBeGreaterThan(0);
  });
});
