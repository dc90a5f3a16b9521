/**
 * The real actions through the HTTP API, the way the Grafana app calls them:
 * a vacuum whose effect shows in the job and in the refreshed metrics, one
 * job per table at a time, cancellation that ends the backend, and hostile
 * strings in every string parameter refused before anything runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, waitForJob, type JobBody } from '../harness/api.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';
import { eventually, harness, queryOnce, startTestExporter, temporaryDirectory, type TestExporter } from '../harness/index.js';

const TOKEN = 'actions-api-admin-token-0123456789';
const INJECTIONS = ["public.orders; DROP TABLE public.orders; --", "x' OR '1'='1", 'public."orders"', '../../etc/passwd', 'orders\u0000', "pg_catalog.pg_class"];

let state: TestDatabase;
let shop: TestDatabase;
let exporter: TestExporter;
let url: string;

const jobCount = async () => Number((await queryOnce<{ n: string }>(state.dsn, 'SELECT count(*) AS n FROM upkeep.jobs'))[0]?.n);
const deadTuples = async () =>
  Number((await queryOnce<{ n: string }>(shop.dsn, "SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'orders'"))[0]?.n);
const post = (body: Record<string, unknown>) => api<{ job: JobBody; error: { code: string; message: string; details: { runningJob?: { id: string } } } }>(url, 'POST', '/api/v1/jobs', { token: TOKEN, body });

beforeAll(async () => {
  state = await createTestDatabase('actions_api_state');
  shop = await createTestDatabase('actions_api_shop');
  await queryOnce(shop.dsn, 'CREATE TABLE orders (id int PRIMARY KEY, note text)');
  await queryOnce(shop.dsn, "INSERT INTO orders SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
  await queryOnce(shop.dsn, 'ANALYZE orders');
  process.env.ACTIONS_API_TOKEN = TOKEN;
  exporter = await startTestExporter({
    postgres: [{ name: 'main', dsn: shop.dsn, tables: { minSizeBytes: 0 } }],
    backups: [{ name: 'dumps', target: 'main', kind: 'dump-dir', path: await temporaryDirectory('actions-api-dumps-'), binDir: harness().postgresBinDir }],
    state: { dsn: state.dsn },
    auth: { tokens: [{ name: 'ops', tokenEnv: 'ACTIONS_API_TOKEN', role: 'admin' }] },
  });
  url = exporter.url;
  await exporter.jobs.ready();
  await exporter.firstScheduledRuns;
});

afterAll(async () => {
  await exporter?.close();
  await shop?.drop();
  await state?.drop();
});

describe('actions through the API', () => {
  it('vacuums a table: the dead tuples are gone and pg_bloat has been refreshed when the job reports success', async () => {
    await queryOnce(shop.dsn, 'DELETE FROM orders WHERE id % 2 = 0');
    await eventually(async () => (await deadTuples()) === 10000, 'the dead rows to be counted');
    const bloatRunBefore = (await exporter.scrape()).metrics.value('upkeep_collector_last_success_timestamp_seconds', { collector: 'pg_bloat', target: 'main' });

    const started = await post({ action: 'vacuum', target: 'main', params: { table: 'public.orders' } });
    expect(started.status).toBe(202);
    const done = await waitForJob(url, started.body.job.id, TOKEN);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.progress?.phase).toBe('done');
    expect(await deadTuples()).toBe(0);

    const after = await exporter.scrape();
    expect(after.metrics.value('upkeep_collector_last_success_timestamp_seconds', { collector: 'pg_bloat', target: 'main' })).toBeGreaterThan(bloatRunBefore);
    expect(after.metrics.value('upkeep_pg_table_dead_tuples', { datname: shop.name, schema: 'public', table: 'orders' })).toBe(0);
    expect(after.metrics.value('upkeep_job_last_success_timestamp_seconds', { action: 'vacuum', target: 'main' })).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('runs one vacuum of a table at a time: the second gets a 409 naming the first, and cancelling ends its backend', async () => {
    // A vacuum that crawls: cost-based delay on every page.
    await queryOnce(shop.dsn, 'UPDATE orders SET note = note');
    const slow = `ALTER DATABASE ${shop.name} SET vacuum_cost_delay = 100`;
    await queryOnce(harness().primary.dsn, slow);
    await queryOnce(harness().primary.dsn, `ALTER DATABASE ${shop.name} SET vacuum_cost_limit = 1`);
    try {
      const first = await post({ action: 'vacuum', target: 'main', params: { table: 'public.orders' } });
      expect(first.status).toBe(202);
      const second = await post({ action: 'vacuum', target: 'main', params: { table: 'public.orders' } });
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('job_conflict');
      expect(second.body.error.details.runningJob?.id).toBe(first.body.job.id);
      // Another kind of maintenance of the same table waits its turn too.
      expect((await post({ action: 'analyze', target: 'main', params: { table: 'public.orders' } })).status).toBe(409);

      const id = first.body.job.id;
      const backends = () => queryOnce(harness().primary.dsn, 'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`upkeep-job:${id}`]);
      await eventually(async () => (await backends()).length === 1, 'the vacuum backend');
      const cancel = await api(url, 'POST', `/api/v1/jobs/${id}/cancel`, { token: TOKEN });
      expect(cancel.status).toBe(202);
      const done = await waitForJob(url, id, TOKEN);
      expect(done.status).toBe('cancelled');
      expect(await backends()).toEqual([]);
    } finally {
      await queryOnce(harness().primary.dsn, `ALTER DATABASE ${shop.name} RESET vacuum_cost_delay`);
      await queryOnce(harness().primary.dsn, `ALTER DATABASE ${shop.name} RESET vacuum_cost_limit`);
    }
  });

  it('refuses hostile strings in every string parameter before anything runs, and changes nothing', async () => {
    const before = await jobCount();
    const rejectedCount = async () => Number((await queryOnce<{ n: string }>(state.dsn, "SELECT count(*) AS n FROM upkeep.audit WHERE outcome = 'rejected'"))[0]?.n);
    const rejectedBefore = await rejectedCount();
    const requests: Record<string, unknown>[] = [];
    for (const bad of INJECTIONS) {
      requests.push(
        { action: 'vacuum', params: { table: bad } },
        { action: 'vacuum', params: { database: bad } },
        { action: 'analyze', params: { table: bad } },
        { action: 'reindex', params: { table: bad } },
        { action: 'reindex', params: { index: bad } },
        { action: 'reindex', params: { database: bad } },
        { action: 'backup', params: { database: bad } },
        { action: 'verify-backup', params: { file: bad } },
        { action: 'cancel-query', params: { pid: 1, queryStart: bad } },
        { action: 'terminate-backend', params: { pid: bad, queryStart: '2026-01-01T00:00:00.000Z' } },
      );
    }
    for (const request of requests) {
      const res = await post({ target: 'main', ...request });
      expect([404, 422], JSON.stringify(request)).toContain(res.status);
      expect(res.body.error.message.length).toBeGreaterThan(0);
    }
    expect(await jobCount()).toBe(before);
    expect(await queryOnce(shop.dsn, 'SELECT count(*) FROM orders')).toEqual([{ count: '10000' }]);
    // Every refusal is in the audit log.
    expect((await rejectedCount()) - rejectedBefore).toBe(requests.length);
  });

  it('backs up through the API and the backups collector counts the dump when the job succeeds', async () => {
    const started = await post({ action: 'backup', target: 'main' });
    expect(started.status).toBe(202);
    const done = await waitForJob(url, started.body.job.id, TOKEN, 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const scrape = await exporter.scrape();
    const completed = scrape.metrics.value('upkeep_backup_last_success_timestamp_seconds', { target: 'main', source: 'dumps', backup_kind: 'dump' });
    expect(completed).toBeGreaterThan(Date.now() / 1000 - 120);
  });
});
