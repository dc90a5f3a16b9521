/**
 * The built Grafana app in a real browser (Debian's Chromium, driven by
 * playwright-core) against a real exporter on the harness database, a real
 * Prometheus scraping it every second, and a stand-in for Grafana's server
 * that applies plugin.json's proxy routes as Grafana does. An Editor
 * vacuums a bloated table and watches the job to done and the dead rows
 * drop; a Viewer finds the button disabled and says why. Every page is
 * screenshotted into test/artifacts/ to be looked at.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, waitForJob, type JobBody } from '../harness/api.js';
import { createCertificateAuthority, issueServerCertificate, writeChain } from '../harness/certificates.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';
import { eventually, harness, queryOnce, startTestExporter, temporaryDirectory, type TestExporter } from '../harness/index.js';
import { PrometheusServer } from '../harness/prometheusServer.js';
import { PLUGIN_DIST, REPO_ROOT } from '../plugin/pluginFiles.js';
import { GrafanaStandIn } from './grafanaStandIn.js';
import { bundleHost } from './hostBundle.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-grafana-token-0123456789';
const ARTIFACTS = join(REPO_ROOT, 'test', 'artifacts');
const APP = '/a/upkeep-maintenance-app';

let shop: TestDatabase;
let state: TestDatabase;
let exporter: TestExporter;
let prometheus: PrometheusServer;
let standIn: GrafanaStandIn;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

async function signedIn(login: string, role: 'Viewer' | 'Editor' | 'Admin'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
  contexts.push(context);
  await context.addCookies([{ name: 'grafana_user', value: `${login}:${role}`, url: base }]);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${login}: ${err.message}`));
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

async function promValue(expr: string): Promise<number | undefined> {
  const [sample] = await prometheus.query(expr);
  return sample ? Number(sample.value[1]) : undefined;
}

beforeAll(async () => {
  await access(join(PLUGIN_DIST, 'module.js')).catch(() => {
    throw new Error(`${PLUGIN_DIST}/module.js is missing: build the plugin first (npm run build)`);
  });
  await access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} not found: install the Debian package "chromium" (npm run test:all does)`);
  });
  await mkdir(ARTIFACTS, { recursive: true });

  [shop, state] = await Promise.all([createTestDatabase('browser_shop'), createTestDatabase('browser_state')]);
  await queryOnce(shop.dsn, 'CREATE TABLE orders (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = false)');
  await queryOnce(shop.dsn, "INSERT INTO orders SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
  await queryOnce(shop.dsn, 'DELETE FROM orders WHERE id > 4000');
  await queryOnce(shop.dsn, 'CREATE TABLE customers (id int PRIMARY KEY, name text)');
  await queryOnce(shop.dsn, "INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 5000) g");
  await queryOnce(shop.dsn, 'ANALYZE orders; ANALYZE customers');
  await queryOnce(shop.dsn, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  // A vacuum that takes seconds (cost-based delay), so the page's progress can be watched while it runs.
  await queryOnce(harness().primary.dsn, `ALTER DATABASE ${shop.name} SET vacuum_cost_delay = '20ms'`);
  await queryOnce(harness().primary.dsn, `ALTER DATABASE ${shop.name} SET vacuum_cost_limit = 20`);
  await eventually(
    async () => (await queryOnce<{ n: string }>(shop.dsn, "SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'orders'"))[0]?.n === '16000',
    'the deleted rows to be counted as dead',
  );

  const dumps = await temporaryDirectory('browser-dumps-');
  const certificates = await temporaryDirectory('browser-certs-');
  const ca = await createCertificateAuthority(certificates, { name: 'ca', commonName: 'Upkeep Test CA', days: 400 });
  const leaf = await issueServerCertificate(certificates, ca, { name: 'shop', commonName: 'shop.example.test', days: 10, altNames: ['DNS:shop.example.test'] });
  await writeChain(join(certificates, 'shop-chain.pem'), [leaf, ca]);

  process.env.BROWSER_GRAFANA_TOKEN = TOKEN;
  exporter = await startTestExporter({
    postgres: [
      { name: 'main', dsn: shop.dsn, tables: { minSizeBytes: 0 } },
      { name: 'replica', dsn: harness().standby.dsn },
    ],
    redis: [{ name: 'cache', url: harness().redis.url }],
    backups: [{ name: 'dumps', target: 'main', kind: 'dump-dir', path: dumps, binDir: harness().postgresBinDir }],
    certificates: { files: [{ name: 'web-certs', paths: [join(certificates, 'shop-chain.pem')] }] },
    disks: [{ name: 'backups-disk', path: dumps }],
    state: { dsn: state.dsn },
    auth: { tokens: [{ name: 'grafana', tokenEnv: 'BROWSER_GRAFANA_TOKEN', role: 'admin' }] },
  });
  await exporter.jobs.ready();
  await exporter.firstScheduledRuns;
  // A backup, so the Backups page has a dump to list.
  const backup = await api<{ job: JobBody }>(exporter.url, 'POST', '/api/v1/jobs', { token: TOKEN, body: { action: 'backup', target: 'main' } });
  expect((await waitForJob(exporter.url, backup.body.job.id, TOKEN)).status).toBe('succeeded');

  const exporterHost = new URL(exporter.url).host;
  prometheus = await PrometheusServer.start(
    await temporaryDirectory('browser-prometheus-'),
    `global: { scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: upkeep\n    static_configs: [{ targets: ['${exporterHost}'] }]\n`,
  );
  await eventually(async () => (await promValue(`upkeep_pg_table_dead_tuples{table="orders"}`)) === 16000, 'Prometheus to scrape the dead rows', 30_000);

  const host = await bundleHost(await temporaryDirectory('browser-host-'));
  standIn = new GrafanaStandIn({
    prometheusUrl: prometheus.url,
    hostScript: host.script,
    hostStylesheet: host.stylesheet,
    settings: { jsonData: { exporterUrl: exporter.url, prometheusDatasourceUid: 'prometheus' }, secureJsonData: { exporterToken: TOKEN } },
  });
  base = await standIn.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await browser?.close();
  await standIn?.stop();
  await prometheus?.stop();
  await exporter?.close();
  await shop?.drop();
  await state?.drop();
});

describe('the Upkeep app in a browser', () => {
  it('lets an Editor vacuum a bloated table: confirm, live progress to done, and the dead rows drop', async () => {
    const page = await signedIn('alice', 'Editor');
    await page.goto(`${base}${APP}/bloat?target=main&database=${shop.name}`);
    const dead = page.getByTestId(`dead-tuples-${shop.name}-public.orders`);
    await expect.poll(() => dead.textContent(), { timeout: 30_000 }).toBe('16,000');
    const row = page.locator('tr', { has: dead });
    const vacuum = row.getByRole('button', { name: 'Vacuum main', exact: true });
    await expect.poll(() => vacuum.isEnabled(), { timeout: 15_000 }).toBe(true);
    await shot(page, 'bloat-before');

    await vacuum.click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getByTestId('action-summary').textContent()).toContain('public.orders');
    await dialog.getByRole('button', { name: 'Run vacuum' }).click();
    const progress = dialog.getByTestId('job-progress');
    // What the dialog showed while the job ran: its phases and percentages, as they came.
    const seen: string[] = [];
    const deadline = Date.now() + 90_000;
    let status: string | null = null;
    while (Date.now() < deadline && status !== 'succeeded' && status !== 'failed') {
      status = await progress.getAttribute('data-status', { timeout: 30_000 });
      const phase = await dialog.getByTestId('job-phase').textContent({ timeout: 1000 }).catch(() => null);
      const percent = await dialog.getByTestId('job-percent').textContent({ timeout: 1000 }).catch(() => null);
      const line = `${status}: ${phase ?? ''} ${percent ?? ''}`.trim();
      if (seen.at(-1) !== line) {
        seen.push(line);
      }
      if (seen.length === 2 && status === 'running') {
        await shot(page, 'vacuum-dialog-running');
      }
      await page.waitForTimeout(200);
    }
    expect(status, seen.join('\n')).toBe('succeeded');
    expect(seen.at(-1)).toBe('succeeded: done 100 %');
    const running = seen.filter((l) => l.startsWith('running: '));
    expect(running.length, `progress shown while running:\n${seen.join('\n')}`).toBeGreaterThanOrEqual(2);
    expect(running.some((l) => /\d+ %$/.test(l) && !l.endsWith(' 100 %')), seen.join('\n')).toBe(true);
    await shot(page, 'vacuum-dialog-done');
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();

    // The job refreshed the bloat metrics; Prometheus scrapes them within a second and the page reads them again.
    await expect.poll(() => dead.textContent(), { timeout: 30_000 }).toBe('0');
    await shot(page, 'bloat-after');
    expect(standIn.forwarded).toContainEqual({ method: 'POST', path: '/api/v1/jobs', user: 'alice', status: 202 });
    const audit = await api<{ entries: Array<{ actor: string; action: string; outcome: string }> }>(exporter.url, 'GET', '/api/v1/audit?actor=grafana:alice&action=vacuum', { token: TOKEN });
    expect(audit.body.entries.map((e) => e.outcome)).toEqual(['succeeded', 'accepted']);
  }, 150_000);

  it('shows a Viewer the buttons disabled with the reason, and Grafana’s proxy refuses the route', async () => {
    const page = await signedIn('bob', 'Viewer');
    await page.goto(`${base}${APP}/bloat?target=main&database=${shop.name}`);
    const disabled = page.getByTestId('action-vacuum-disabled').first();
    await expect.poll(() => disabled.getAttribute('data-reason'), { timeout: 30_000 }).toMatch(/needs the Grafana Editor role; you are a Viewer/);
    expect(await disabled.getByRole('button').isDisabled()).toBe(true);
    await disabled.hover();
    await expect.poll(() => page.getByRole('tooltip').textContent()).toMatch(/needs the Grafana Editor role/);
    await shot(page, 'bloat-viewer');
    const status = await page.evaluate(async () => (await fetch('/api/plugin-proxy/upkeep-maintenance-app/operator/jobs', { method: 'POST', body: '{}' })).status);
    expect(status).toBe(403);
  }, 60_000);

  it('renders every page, the config page and the action panel, with no errors in the page', async () => {
    const page = await signedIn('carol', 'Admin');
    // Something for the Queries page to list, with its Cancel button.
    const sleeper = new pg.Client({ connectionString: shop.dsn, application_name: 'checkout-worker' });
    // If the test fails before it ends the session, dropping the database at the end does: not an uncaught error.
    sleeper.on('error', () => undefined);
    await sleeper.connect();
    const sleeping = sleeper.query('SELECT pg_sleep(60)').catch(() => undefined);
    const pages: Array<[string, string, (p: Page) => Promise<unknown>]> = [
      ['overview', `${APP}/overview`, (p) => p.getByTestId('overview-table').waitFor()],
      ['backups', `${APP}/backups?target=main`, (p) => p.getByText('main-', { exact: false }).first().waitFor()],
      ['replication', `${APP}/replication?target=main`, (p) => p.getByText('Standbys (1 streaming)').waitFor()],
      ['queries', `${APP}/queries?target=main&minAge=0`, (p) => p.getByTestId('sessions-table').getByRole('button', { name: 'Cancel main' }).waitFor()],
      ['bloat', `${APP}/bloat?target=main`, (p) => p.getByTestId('bloat-table').waitFor()],
      ['certificates', `${APP}/certificates`, (p) => p.getByText('shop.example.test').first().waitFor()],
      ['jobs', `${APP}/jobs`, (p) => p.getByTestId('job-history').getByText('vacuum').first().waitFor()],
      ['config', '/plugins/upkeep-maintenance-app', (p) => p.getByText('Exporter URL').waitFor()],
      [
        'action-panel',
        `/panel?title=${encodeURIComponent('Vacuum orders')}&action=vacuum&target=$target&var-target=main&params=${encodeURIComponent(`{"database":"${shop.name}","table":"public.orders"}`)}`,
        (p) => p.getByTestId('upkeep-action-panel').waitFor(),
      ],
    ];
    for (const [name, path, ready] of pages) {
      await page.goto(`${base}${path}`);
      await ready(page);
      // Let the metrics and the catalog arrive before the picture.
      await page.waitForTimeout(1500);
      expect(await page.getByText('The plugin did not load').count(), name).toBe(0);
      await shot(page, name);
    }
    await page.goto(`${base}/plugins/upkeep-maintenance-app`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('connection-report').textContent(), { timeout: 15_000 }).toContain('with role admin');
    await shot(page, 'config-tested');
    expect(pageErrors).toEqual([]);
    await queryOnce(shop.dsn, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'checkout-worker'");
    await sleeping;
    await sleeper.end();
  }, 150_000);
});
