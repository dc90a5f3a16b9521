/**
 * The Redis collector against throwaway redis-servers of the tests' own:
 * counters that follow real traffic exactly, evictions past maxmemory, RDB
 * saves that succeed and fail, replication, a refused INFO, and a server
 * that stops and comes back.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  aofEnabled,
  connectedClients,
  connectedReplicas,
  evictedKeys,
  expiredKeys,
  expiringKeys,
  keys,
  keyspaceHits,
  keyspaceMisses,
  masterLinkUp,
  memoryMax,
  memoryUsed,
  rdbBgsaveInProgress,
  rdbChangesSinceLastSave,
  rdbLastBgsaveDuration,
  rdbLastBgsaveSuccess,
  rdbLastSave,
  redisInfo,
  redisUp,
} from '../../exporter/src/collectors/redisInfo.js';
import type { MetricFamily } from '../../exporter/src/metrics/family.js';
import { collectorSuccess, targetUp } from '../../exporter/src/metrics/exporterFamilies.js';
import { redisServerBinary } from '../harness/binaries.js';
import { eventually, promtoolCheckMetrics, startTestExporter, temporaryDirectory, type ParsedMetrics, type TestExporter } from '../harness/index.js';
import { RedisServer } from '../harness/redisServer.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startRedis(name: string, extraArgs: string[] = []): Promise<RedisServer> {
  const server = await RedisServer.start(await redisServerBinary(), await temporaryDirectory(`redis-${name}-`), extraArgs);
  cleanups.push(() => server.stop());
  return server;
}

/** The test's own client: its traffic is what the counters must follow. */
function clientOf(server: RedisServer): Redis {
  const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  cleanups.push(() => Promise.resolve(client.disconnect()));
  return client;
}

async function exporterFor(targets: Record<string, string>): Promise<TestExporter> {
  const exporter = await startTestExporter({ redis: Object.entries(targets).map(([name, url]) => ({ name, url })) });
  cleanups.push(() => exporter.close());
  return exporter;
}

function valueOf(metrics: ParsedMetrics, family: MetricFamily, labels: Record<string, string> = {}, target = 'cache'): number {
  return metrics.value(family.name, { target, ...labels });
}

async function scrapeValue(exporter: TestExporter, family: MetricFamily, labels: Record<string, string> = {}, target = 'cache'): Promise<number | undefined> {
  const { metrics } = await exporter.scrape();
  return metrics.has(family.name, { target, ...labels }) ? valueOf(metrics, family, labels, target) : undefined;
}

describe('the redis collector', () => {
  it('reports a running server: up, facts, limits and keys per database, in an exposition promtool accepts', async () => {
    const server = await startRedis('facts', ['--maxmemory', '64mb', '--maxmemory-policy', 'volatile-lru']);
    const client = clientOf(server);
    await client.set('a', '1');
    await client.set('b', '2', 'EX', 3600);
    await client.select(2);
    await client.set('c', '3');
    const exporter = await exporterFor({ cache: server.url });

    const { status, metrics, text } = await exporter.scrape();
    expect(status).toBe(200);
    expect(valueOf(metrics, redisUp)).toBe(1);
    expect(metrics.value(targetUp.name, { kind: 'redis', target: 'cache' })).toBe(1);
    expect(metrics.value(collectorSuccess.name, { collector: 'redis', target: 'cache' })).toBe(1);
    const [info, ...more] = metrics.find(redisInfo.name, { target: 'cache' });
    expect(more).toHaveLength(0);
    expect(info?.labels).toMatchObject({ role: 'master', mode: 'standalone', maxmemory_policy: 'volatile-lru' });
    expect(info?.labels.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(valueOf(metrics, memoryMax)).toBe(64 * 1024 * 1024);
    expect(valueOf(metrics, memoryUsed)).toBeGreaterThan(0);
    expect(valueOf(metrics, connectedClients)).toBeGreaterThanOrEqual(2);
    expect(valueOf(metrics, aofEnabled)).toBe(0);
    expect(valueOf(metrics, connectedReplicas)).toBe(0);
    expect(metrics.has(masterLinkUp.name, { target: 'cache' })).toBe(false);
    expect(valueOf(metrics, keys, { db: '0' })).toBe(2);
    expect(valueOf(metrics, expiringKeys, { db: '0' })).toBe(1);
    expect(valueOf(metrics, keys, { db: '2' })).toBe(1);
    expect(metrics.has(keys.name, { db: '1' })).toBe(false);
    expect(metrics.types.get(keyspaceHits.name)).toBe('counter');
    expect(metrics.help.get(memoryMax.name)).toMatch(/0 means no limit/);
    expect(await promtoolCheckMetrics(text)).toEqual({ code: 0, output: '' });
  });

  it('hits and misses follow GETs of present and absent keys exactly; the exporter\'s own commands count as neither', async () => {
    const server = await startRedis('hits');
    const client = clientOf(server);
    for (let i = 0; i < 5; i++) await client.set(`present:${i}`, 'x');
    const exporter = await exporterFor({ cache: server.url });

    const first = (await exporter.scrape()).metrics;
    const idle = (await exporter.scrape()).metrics;
    expect(valueOf(idle, keyspaceHits)).toBe(valueOf(first, keyspaceHits));
    expect(valueOf(idle, keyspaceMisses)).toBe(valueOf(first, keyspaceMisses));

    for (let i = 0; i < 7; i++) expect(await client.get(`present:${i % 5}`)).toBe('x');
    for (let i = 0; i < 4; i++) expect(await client.get(`absent:${i}`)).toBeNull();
    const after = (await exporter.scrape()).metrics;
    expect(valueOf(after, keyspaceHits) - valueOf(idle, keyspaceHits)).toBe(7);
    expect(valueOf(after, keyspaceMisses) - valueOf(idle, keyspaceMisses)).toBe(4);

    // Keys whose TTL ran out: expired once each, and a GET of one is a miss.
    for (let i = 0; i < 3; i++) await client.set(`short:${i}`, 'x', 'PX', 1);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) expect(await client.get(`short:${i}`)).toBeNull();
    const expired = (await exporter.scrape()).metrics;
    expect(valueOf(expired, expiredKeys) - valueOf(after, expiredKeys)).toBe(3);
    expect(valueOf(expired, keyspaceMisses) - valueOf(after, keyspaceMisses)).toBe(3);
    expect(valueOf(expired, keyspaceHits)).toBe(valueOf(after, keyspaceHits));
  });

  it('filling past maxmemory with an eviction policy moves the evictions counter', async () => {
    const maxmemory = 2 * 1024 * 1024;
    const server = await startRedis('evict', ['--maxmemory', String(maxmemory), '--maxmemory-policy', 'allkeys-lru']);
    const client = clientOf(server);
    const exporter = await exporterFor({ cache: server.url });
    const before = (await exporter.scrape()).metrics;
    expect(valueOf(before, evictedKeys)).toBe(0);
    expect(valueOf(before, memoryMax)).toBe(maxmemory);

    const value = 'v'.repeat(10_000);
    const written = 400; // 4 MB of values into 2 MB
    for (let i = 0; i < written; i++) await client.set(`fill:${i}`, value);

    const { metrics } = await exporter.scrape();
    expect(valueOf(metrics, evictedKeys)).toBeGreaterThan(0);
    expect(valueOf(metrics, keys, { db: '0' })).toBe(written - valueOf(metrics, evictedKeys));
    expect(valueOf(metrics, memoryUsed)).toBeGreaterThan(maxmemory / 2);
  });

  it('BGSAVE moves the last save timestamp and reports success; a save that cannot write reports failure', async () => {
    // Lets the test move Redis' working directory with CONFIG SET.
    const server = await startRedis('bgsave', ['--enable-protected-configs', 'yes']);
    const client = clientOf(server);
    const exporter = await exporterFor({ cache: server.url });
    const before = (await exporter.scrape()).metrics;
    const savedAt = valueOf(before, rdbLastSave);
    expect(valueOf(before, rdbLastBgsaveSuccess)).toBe(1);
    expect(before.has(rdbLastBgsaveDuration.name, { target: 'cache' })).toBe(false);

    for (let i = 0; i < 3; i++) await client.set(`k${i}`, 'x');
    expect(await scrapeValue(exporter, rdbChangesSinceLastSave)).toBe(3);
    // The timestamp has a resolution of one second.
    while (Date.now() / 1000 < savedAt + 1) await new Promise((r) => setTimeout(r, 50));
    await client.bgsave();
    await eventually(async () => (await scrapeValue(exporter, rdbLastSave)) !== savedAt, 'the last save timestamp to move');
    const after = (await exporter.scrape()).metrics;
    expect(valueOf(after, rdbLastSave)).toBeGreaterThan(savedAt);
    expect(valueOf(after, rdbLastSave)).toBeCloseTo(Date.now() / 1000, -1);
    expect(valueOf(after, rdbLastBgsaveSuccess)).toBe(1);
    expect(valueOf(after, rdbBgsaveInProgress)).toBe(0);
    expect(valueOf(after, rdbChangesSinceLastSave)).toBe(0);
    expect(valueOf(after, rdbLastBgsaveDuration)).toBeGreaterThanOrEqual(0);

    // Redis writes its dump into its working directory; once that is gone, a save fails even for root.
    const gone = join(server.directory, 'vanishing');
    await mkdir(gone);
    await client.call('CONFIG', 'SET', 'dir', gone);
    await rm(gone, { recursive: true });
    await client.set('k-after', 'x');
    await client.bgsave();
    await eventually(async () => (await scrapeValue(exporter, rdbLastBgsaveSuccess)) === 0, 'the failed save to be reported');
    expect(await scrapeValue(exporter, rdbLastSave)).toBe(valueOf(after, rdbLastSave));

    await client.call('CONFIG', 'SET', 'dir', server.directory);
    await client.call('CONFIG', 'SET', 'appendonly', 'yes');
    await eventually(async () => (await scrapeValue(exporter, aofEnabled)) === 1, 'the append-only file to be reported on');
    // Redis refuses to shut down while it writes the first AOF: let that finish before the cleanup stops it.
    await eventually(async () => /aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0/.test(await client.info('persistence')), 'the first AOF to be written');
  });

  it('reports role and master link: a replica linked to its master, then the link down when the master stops', async () => {
    // Without a delay, the full sync a new replica needs starts at once (the default waits 5 s for more replicas).
    const master = await startRedis('master', ['--repl-diskless-sync-delay', '0']);
    const replica = await startRedis('replica', ['--replicaof', master.host, String(master.port)]);
    const exporter = await exporterFor({ primary: master.url, copy: replica.url });

    await eventually(async () => (await scrapeValue(exporter, masterLinkUp, {}, 'copy')) === 1, 'the replica to report its master link up');
    const { metrics } = await exporter.scrape();
    expect(metrics.find(redisInfo.name, { target: 'copy', role: 'replica' })).toHaveLength(1);
    expect(metrics.find(redisInfo.name, { target: 'primary', role: 'master' })).toHaveLength(1);
    expect(valueOf(metrics, connectedReplicas, {}, 'primary')).toBe(1);
    expect(metrics.has(masterLinkUp.name, { target: 'primary' })).toBe(false);

    await master.stop();
    await eventually(async () => (await scrapeValue(exporter, masterLinkUp, {}, 'copy')) === 0, 'the replica to report its master link down');
    const down = (await exporter.scrape()).metrics;
    expect(valueOf(down, redisUp, {}, 'copy')).toBe(1);
    expect(valueOf(down, redisUp, {}, 'primary')).toBe(0);
  });

  it('a server that refuses INFO but answers PING reads up 0 with the collector failed, logged once', async () => {
    const server = await startRedis('acl');
    const admin = clientOf(server);
    await admin.call('ACL', 'SETUSER', 'watcher', 'on', '>secret', '+@all', '-info', '~*');
    const exporter = await exporterFor({ cache: `redis://watcher:secret@${server.host}:${server.port}` });

    for (let i = 0; i < 3; i++) {
      const { metrics } = await exporter.scrape();
      expect(metrics.value(targetUp.name, { kind: 'redis', target: 'cache' })).toBe(1);
      expect(valueOf(metrics, redisUp)).toBe(0);
      expect(metrics.value(collectorSuccess.name, { collector: 'redis', target: 'cache' })).toBe(0);
      expect(metrics.has(keyspaceHits.name, { target: 'cache' })).toBe(false);
    }
    const failures = exporter.captured.events('collector.failed');
    expect(failures).toHaveLength(1);
    expect(String(failures[0]?.error)).toMatch(/NOPERM/);
  });

  it('a stopped server reads up 0 in a scrape that still answers at once, and 1 again when it is back', async () => {
    const server = await startRedis('outage');
    const exporter = await exporterFor({ cache: server.url });
    expect(await scrapeValue(exporter, redisUp)).toBe(1);

    await server.stop();
    for (let i = 0; i < 3; i++) {
      const down = await exporter.scrape();
      expect(down.status).toBe(200);
      expect(down.elapsedMs).toBeLessThan(4000); // below the 5 s connect timeout: no waiting on a dead server
      expect(valueOf(down.metrics, redisUp)).toBe(0);
      expect(down.metrics.value(targetUp.name, { kind: 'redis', target: 'cache' })).toBe(0);
      expect(down.metrics.value(collectorSuccess.name, { collector: 'redis', target: 'cache' })).toBe(0);
      expect(down.metrics.has(keyspaceHits.name, { target: 'cache' })).toBe(false);
      expect((await promtoolCheckMetrics(down.text)).code).toBe(0);
    }

    await server.start();
    await eventually(async () => (await scrapeValue(exporter, redisUp)) === 1, 'Redis to be reported up again', 15_000);
    const { metrics } = await exporter.scrape();
    expect(metrics.value(collectorSuccess.name, { collector: 'redis', target: 'cache' })).toBe(1);
  });
});
