/**
 * A monitored server that goes away must flip metrics, never hang a scrape
 * or crash the exporter — and metrics must recover without a restart.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { collectors } from '../../exporter/src/collectors/index.js';
import { databaseXidAge } from '../../exporter/src/collectors/pgBloat.js';
import { blocksHit } from '../../exporter/src/collectors/pgDatabase.js';
import { freePort } from '../../exporter/src/freePort.js';
import { collectorLastSuccess, collectorSuccess, targetUp } from '../../exporter/src/metrics/exporterFamilies.js';
import { createScratchPrimary, eventually, harness, startTestExporter, type TestExporter } from '../harness/index.js';
import { redisServerBinary } from '../harness/binaries.js';
import { RedisServer } from '../harness/redisServer.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track<T extends { close(): Promise<unknown> } | { destroy(): Promise<unknown> }>(thing: T): T {
  cleanups.push(() => ('close' in thing ? thing.close() : thing.destroy()));
  return thing;
}

describe('a monitored PostgreSQL that stops', () => {
  it('answers the next scrape within 2 s with target_up 0 and collector success 0, then recovers when it returns', async () => {
    const cluster = track(await createScratchPrimary('outage'));
    const exporter: TestExporter = track(await startTestExporter({ postgres: [{ name: 'flaky', dsn: cluster.dsn() }] }));
    await exporter.firstScheduledRuns;

    let { metrics } = await exporter.scrape();
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'flaky' })).toBe(1);
    const lastSuccess = metrics.value(collectorLastSuccess.name, { collector: 'pg_database', target: 'flaky' });

    await cluster.stop('fast');
    const down = await exporter.scrape();
    expect(down.status).toBe(200);
    expect(down.elapsedMs).toBeLessThan(2000);
    metrics = down.metrics;
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'flaky' })).toBe(0);
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_database', target: 'flaky' })).toBe(0);
    // The last success stays where it was: ages keep growing while it is down.
    expect(metrics.value(collectorLastSuccess.name, { collector: 'pg_database', target: 'flaky' })).toBe(lastSuccess);
    expect(metrics.has(blocksHit.name, { target: 'flaky' })).toBe(false);
    // Every live PostgreSQL collector says so, each in its own series.
    for (const c of collectors.filter((x) => x.targetKind === 'postgres' && x.mode === 'live')) {
      expect(metrics.value(collectorSuccess.name, { collector: c.name, target: 'flaky' })).toBe(0);
    }
    // A scheduled run against the stopped server fails visibly and keeps serving its last good result.
    await exporter.scheduled.refresh('pg_bloat', 'flaky');
    metrics = (await exporter.scrape()).metrics;
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_bloat', target: 'flaky' })).toBe(0);
    expect(metrics.value(databaseXidAge.name, { target: 'flaky', datname: 'postgres' })).toBeGreaterThan(0);

    // More scrapes while down: still fast, and one log line for the outage, not one per scrape.
    for (let i = 0; i < 3; i++) expect((await exporter.scrape()).elapsedMs).toBeLessThan(2000);
    expect(exporter.captured.events('target.down')).toHaveLength(1);

    await cluster.start();
    await eventually(async () => {
      const m = (await exporter.scrape()).metrics;
      return m.value(targetUp.name, { kind: 'postgres', target: 'flaky' }) === 1 && m.value(collectorSuccess.name, { collector: 'pg_database', target: 'flaky' }) === 1;
    }, 'metrics to recover after the server restarted');
    expect(exporter.captured.events('target.up').length).toBeGreaterThanOrEqual(2);
  });

  it('a server that accepts connections but never answers costs a scrape no more than its budget', async () => {
    const sockets: Socket[] = [];
    const blackHole: Server = createServer((socket) => sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => blackHole.listen(port, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    });

    const exporter = track(
      await startTestExporter({
        postgres: [
          { name: 'silent', dsn: `postgresql://upkeep@127.0.0.1:${port}/postgres`, connectTimeoutSeconds: 30 },
          { name: 'healthy', dsn: harness().primary.dsn },
        ],
      }),
    );
    const { status, metrics, elapsedMs } = await exporter.scrape({ timeoutSeconds: 2 });
    expect(status).toBe(200);
    expect(elapsedMs).toBeLessThan(2000);
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'silent' })).toBe(0);
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'healthy' })).toBe(1);
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_database', target: 'healthy' })).toBe(1);
  });
});

describe('a monitored Redis that stops', () => {
  it('reports target_up 0 at once and 1 again after it returns', async () => {
    const directory = await mkdtemp(join(harness().runDir, 'scratch-redis-'));
    const redis = await RedisServer.start(await redisServerBinary(), directory);
    cleanups.push(() => redis.stop());
    const exporter = track(await startTestExporter({ redis: [{ name: 'cache', url: redis.url }] }));

    expect((await exporter.scrape()).metrics.value(targetUp.name, { kind: 'redis', target: 'cache' })).toBe(1);
    await redis.stop();
    const down = await exporter.scrape();
    expect(down.elapsedMs).toBeLessThan(2000);
    expect(down.metrics.value(targetUp.name, { kind: 'redis', target: 'cache' })).toBe(0);

    await redis.start();
    await eventually(
      async () => (await exporter.scrape()).metrics.value(targetUp.name, { kind: 'redis', target: 'cache' }) === 1,
      'Redis to be reported up again',
      15_000,
    );
  });
});
