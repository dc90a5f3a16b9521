/**
 * The newcomer's path: `npm start` with no configuration runs the embedded
 * demo, serves real metrics, runs a real action with the token it prints,
 * and Ctrl-C leaves nothing running.
 */
import { access, chmod, mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { collectors } from '../../exporter/src/collectors/index.js';
import { tableBloatBytes, tableDeadTuples } from '../../exporter/src/collectors/pgBloat.js';
import { blocksHit } from '../../exporter/src/collectors/pgDatabase.js';
import { statementCalls, statementsAvailable } from '../../exporter/src/collectors/pgStatements.js';
import { freePort } from '../../exporter/src/freePort.js';
import { collectorSuccess, targetUp } from '../../exporter/src/metrics/exporterFamilies.js';
import { api, waitForJob, type JobBody } from '../harness/api.js';
import { RunningCommand } from '../harness/cli.js';
import { eventually, harness, promtoolCheckMetrics, scrape } from '../harness/index.js';

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let demo: RunningCommand | undefined;
afterEach(() => {
  demo?.kill();
  demo = undefined;
});

describe('npm start with no configuration', () => {
  it('runs the embedded demo with real metrics and real actions, and Ctrl-C stops everything', async () => {
    const port = await freePort();
    demo = RunningCommand.spawn('npm', ['start', '--silent', '--', '--listen', `127.0.0.1:${port}`], {
      UPKEEP_CONFIG: '',
      UPKEEP_DEMO_TOKEN: 'demo-token-for-the-e2e-test-0123',
    });
    const ready = await demo.waitForEvent('demo.ready', 90_000);
    expect(ready.metrics).toBe(`http://127.0.0.1:${port}/metrics`);
    expect(demo.stderr).toContain(`Upkeep demo is running: metrics at http://127.0.0.1:${port}/metrics`);

    const base = `http://127.0.0.1:${port}`;
    const { status, text, metrics } = await scrape(base);
    expect(status).toBe(200);
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'demo' })).toBe(1);
    expect(metrics.value(blocksHit.name, { target: 'demo', datname: 'shop' })).toBeGreaterThan(0);
    // Every PostgreSQL collector works on the embedded server's version with the demo's least-privilege role.
    await eventually(async () => {
      const { metrics: m } = await scrape(base);
      // A scheduled collector has no health series until its first run at start-up has ended.
      return collectors
        .filter((c) => c.targetKind === 'postgres')
        .every((c) => m.find(collectorSuccess.name, { collector: c.name, target: 'demo' }).some((sample) => sample.value === 1));
    }, 'every PostgreSQL collector succeeding against the demo');
    const { metrics: full } = await scrape(base);
    expect(full.value(statementsAvailable.name, { target: 'demo' })).toBe(1);
    expect(full.find(statementCalls.name, { target: 'demo', datname: 'shop' }).length).toBeGreaterThan(1);
    expect(full.has(tableDeadTuples.name, { target: 'demo', datname: 'shop', schema: 'public', table: 'orders' })).toBe(true);
    expect(full.has(tableBloatBytes.name, { target: 'demo', datname: 'shop', schema: 'public', table: 'orders' })).toBe(true);
    expect(await promtoolCheckMetrics(text)).toEqual({ code: 0, output: '' });

    // The workload keeps the shop database busy.
    const hitsAtStart = metrics.value(blocksHit.name, { target: 'demo', datname: 'shop' });
    await eventually(
      async () => (await scrape(base)).metrics.value(blocksHit.name, { target: 'demo', datname: 'shop' }) > hitsAtStart,
      'the demo workload to read blocks',
    );

    // The demo runs actions too: its token vacuums a table, as the banner shows.
    const token = 'demo-token-for-the-e2e-test-0123';
    expect(demo.stderr).toContain(`admin token ${token}`);
    const vacuum = await api<{ job: JobBody }>(base, 'POST', '/api/v1/jobs', {
      token,
      body: { action: 'vacuum', target: 'demo', params: { database: 'shop', table: 'public.orders' } },
    });
    expect(vacuum.status).toBe(202);
    const vacuumed = await waitForJob(base, vacuum.body.job.id, token, 60_000);
    expect(vacuumed.status, JSON.stringify(vacuumed.error)).toBe('succeeded');
    expect(vacuumed.actor).toBe('demo-admin');
    const readOnlyRefused = await api(base, 'POST', '/api/v1/jobs', { body: { action: 'analyze', target: 'demo' } });
    expect(readOnlyRefused.status).toBe(401);

    const [host = '', postgresPort = ''] = String(ready.postgres).split(':');
    expect(await accepts(host, Number(postgresPort))).toBe(true);

    // A terminal's Ctrl-C: SIGINT to the whole process group (npm, node and the embedded server).
    const exit = await demo.interrupt('SIGINT', 30_000);
    expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
    await eventually(async () => !(await accepts(host, Number(postgresPort))), 'the embedded PostgreSQL to stop', 15_000);
    await eventually(
      () => access(String(ready.dataDirectory)).then(() => false, () => true),
      'the demo data directory to be removed',
      15_000,
    );
    expect(await accepts('127.0.0.1', port)).toBe(false);
  });

  it('a signal during start-up waits for the start, then stops what it started', async () => {
    // A temporary directory of its own, to see that nothing is left in it.
    const tmp = await mkdtemp(join(harness().runDir, 'demo-tmp-'));
    await chmod(tmp, 0o755);
    demo = await RunningCommand.upkeep(['demo', '--listen', `127.0.0.1:${await freePort()}`], { TMPDIR: tmp });
    await demo.waitForEvent('demo.starting');
    demo.child.kill('SIGTERM'); // the process alone, as systemd or docker stop would
    expect(await demo.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    expect(demo.events('shutdown.complete')).toHaveLength(1);
    expect(await readdir(tmp)).toEqual([]);
  });
});
