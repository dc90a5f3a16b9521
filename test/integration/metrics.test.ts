import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocksHit } from '../../exporter/src/collectors/pgDatabase.js';
import { databaseSize } from '../../exporter/src/collectors/pgDatabaseSize.js';
import {
  buildInfo,
  collectorDuration,
  collectorLastSuccess,
  collectorSuccess,
  seriesCount,
  targetUp,
} from '../../exporter/src/metrics/exporterFamilies.js';
import { postgresInfo } from '../../exporter/src/targets/postgres.js';
import { VERSION } from '../../exporter/src/version.js';
import { eventually, harness, promtoolCheckMetrics, queryOnce, startTestExporter, type TestExporter } from '../harness/index.js';

describe('exporter against a real primary, standby and Redis', () => {
  let exporter: TestExporter;

  beforeAll(async () => {
    const h = harness();
    exporter = await startTestExporter({
      postgres: [
        { name: 'primary', dsn: h.primary.dsn },
        { name: 'standby', dsn: h.standby.dsn },
      ],
      redis: [{ name: 'cache', url: h.redis.url }],
    });
    // Database sizes are scheduled: their first run must be in before the scrapes read them.
    await exporter.firstScheduledRuns;
  });

  afterAll(async () => {
    await exporter.close();
  });

  it('reports every target up, and each PostgreSQL server with its version and role', async () => {
    const { status, metrics } = await exporter.scrape();
    expect(status).toBe(200);
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'primary' })).toBe(1);
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'standby' })).toBe(1);
    expect(metrics.value(targetUp.name, { kind: 'redis', target: 'cache' })).toBe(1);
    const version = harness().postgresVersion.split(' ')[0]!;
    expect(metrics.find(postgresInfo.name).map((s) => s.labels)).toEqual([
      { target: 'primary', server_version: expect.stringContaining(version) as string, role: 'primary' },
      { target: 'standby', server_version: expect.stringContaining(version) as string, role: 'standby' },
    ]);
  });

  it('counts buffer hits per database, and the counter grows as the database is read', async () => {
    const before = (await exporter.scrape()).metrics.value(blocksHit.name, { target: 'primary', datname: 'postgres' });
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) await queryOnce(harness().primary.dsn, 'SELECT count(*) FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid');
    // Statistics reach pg_stat_database when the backend flushes them (at most about a second later).
    await eventually(async () => {
      const now = (await exporter.scrape()).metrics.value(blocksHit.name, { target: 'primary', datname: 'postgres' });
      return now > before;
    }, 'blocks_hit_total to grow');
  });

  it('reports database sizes and leaves template databases out by default', async () => {
    const { metrics } = await exporter.scrape();
    expect(metrics.value(databaseSize.name, { target: 'primary', datname: 'postgres' })).toBeGreaterThan(1_000_000);
    expect(metrics.find(blocksHit.name, { target: 'primary' }).map((s) => s.labels.datname)).not.toContain('template1');
    // The standby serves the same databases, read from its own statistics.
    expect(metrics.value(databaseSize.name, { target: 'standby', datname: 'postgres' })).toBeGreaterThan(1_000_000);
  });

  it('exports the health of every collector for every target', async () => {
    const { metrics } = await exporter.scrape();
    const now = Date.now() / 1000;
    for (const target of ['primary', 'standby']) {
      expect(metrics.value(collectorSuccess.name, { collector: 'pg_database', target })).toBe(1);
      expect(metrics.value(collectorDuration.name, { collector: 'pg_database', target })).toBeGreaterThan(0);
      expect(metrics.value(collectorLastSuccess.name, { collector: 'pg_database', target })).toBeCloseTo(now, -1);
    }
  });

  it('exports its build and its own size', async () => {
    const { metrics } = await exporter.scrape();
    expect(metrics.value(buildInfo.name, { version: VERSION, nodejs_version: process.version })).toBe(1);
    const upkeepSeries = metrics.samples.filter((s) => s.name.startsWith('upkeep_')).length;
    expect(metrics.value(seriesCount.name)).toBe(upkeepSeries);
    // Process metrics come along for the exporter's own dashboard.
    expect(metrics.has('process_resident_memory_bytes')).toBe(true);
  });

  it('passes promtool check metrics without a single finding', async () => {
    const { text, contentType } = await exporter.scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const result = await promtoolCheckMetrics(text);
    expect(result).toEqual({ code: 0, output: '' });
  });

  it('serves OpenMetrics when the scraper prefers it', async () => {
    const accept = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const { text, contentType, metrics } = await exporter.scrape({ accept });
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    // OpenMetrics names the counter family without _total and its samples with it.
    expect(text).toContain('# TYPE upkeep_pg_database_blocks_hit counter\n');
    expect(metrics.has(blocksHit.name, { target: 'primary', datname: 'postgres' })).toBe(true);
    expect(text).toContain('# TYPE upkeep_series_count unknown\n');
    // A later plain-text scrape is unaffected by the OpenMetrics one.
    const plain = await exporter.scrape();
    expect(plain.text).toContain('# TYPE upkeep_pg_database_blocks_hit_total counter\n');
    expect(plain.text).toContain('# TYPE process_cpu_seconds_total counter\n');
  });

  it('drops the series of a database that no longer exists', async () => {
    const dsn = harness().primary.dsn;
    await queryOnce(dsn, 'CREATE DATABASE upkeep_short_lived');
    expect((await exporter.scrape()).metrics.has(blocksHit.name, { target: 'primary', datname: 'upkeep_short_lived' })).toBe(true);
    await queryOnce(dsn, 'DROP DATABASE upkeep_short_lived');
    expect((await exporter.scrape()).metrics.has(blocksHit.name, { target: 'primary', datname: 'upkeep_short_lived' })).toBe(false);
  });

  it('answers /readyz with every target and whether it answered', async () => {
    const response = await fetch(`${exporter.url}/readyz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; targets: { kind: string; name: string; up: boolean; role?: string }[] };
    expect(body.status).toBe('ready');
    expect(body.targets.map(({ kind, name, up, role }) => ({ kind, name, up, role }))).toEqual([
      { kind: 'postgres', name: 'primary', up: true, role: 'primary' },
      { kind: 'postgres', name: 'standby', up: true, role: 'standby' },
      { kind: 'redis', name: 'cache', up: true, role: undefined },
    ]);
  });

  it('answers unknown routes and wrong methods with JSON errors', async () => {
    const missing = await fetch(`${exporter.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'no such endpoint: GET /nope' } });
    const wrongMethod = await fetch(`${exporter.url}/metrics`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    expect((await fetch(`${exporter.url}/healthz`)).status).toBe(200);
  });
});

describe('database filter', () => {
  it('includes and excludes databases by pattern', async () => {
    const exporter = await startTestExporter({
      postgres: [{ name: 'primary', dsn: harness().primary.dsn, databases: { include: ['^template'], exclude: ['^template0$'] } }],
    });
    try {
      const { metrics } = await exporter.scrape();
      expect(metrics.find(blocksHit.name).map((s) => s.labels.datname)).toEqual(['template1']);
    } finally {
      await exporter.close();
    }
  });
});

