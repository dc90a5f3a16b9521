/**
 * Per-table series with real effects, in a database of the test's own on the
 * shared primary (the exporter connects to `postgres`, so this also proves
 * other databases are covered): dead rows and bloat grow after a mass delete
 * and drop after VACUUM; an invalid index is counted; per-table cache
 * counters and the `other` rows add up to the server's own totals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  databaseXidAge,
  indexBloatBytes,
  invalidIndexes,
  tableBloatBytes,
  tableBloatRatio,
  tableDeadTuples,
  tableLastAnalyze,
  tableLastVacuum,
  tableSizeBytes,
  unestimatedTables,
} from '../../exporter/src/collectors/pgBloat.js';
import { databaseVisitSuccess } from '../../exporter/src/collectors/databases.js';
import { tableBlocksHit, tableBlocksRead } from '../../exporter/src/collectors/pgTableCache.js';
import { eventually, harness, queryOnce, startTestExporter, type ParsedMetrics, type TestExporter } from '../harness/index.js';

const DB = 'upkeep_tables';
let exporter: TestExporter;
let dsn: string;

const sql = (text: string) => queryOnce(dsn, text);
const orders = { target: 'main', datname: DB, schema: 'public', table: 'orders' };

async function bloatMetrics(): Promise<ParsedMetrics> {
  await exporter.scheduled.refresh('pg_bloat', 'main');
  return (await exporter.scrape()).metrics;
}

beforeAll(async () => {
  const admin = harness().primary.dsn;
  await queryOnce(admin, `DROP DATABASE IF EXISTS ${DB}`);
  await queryOnce(admin, `CREATE DATABASE ${DB}`);
  dsn = admin.replace(/\/postgres$/, `/${DB}`);
  // Autovacuum off on these tables: the test decides when they are vacuumed.
  await sql(`CREATE TABLE orders (id int PRIMARY KEY, customer int, note text) WITH (autovacuum_enabled = off)`);
  await sql(`INSERT INTO orders SELECT i, i % 100, repeat('n', 80) FROM generate_series(1, 20000) i`);
  await sql(`CREATE TABLE notes (id int, body text) WITH (autovacuum_enabled = off)`);
  await sql(`INSERT INTO notes SELECT i, 'note ' || i FROM generate_series(1, 500) i`);
  await sql(`CREATE TABLE tags (id int, tag text) WITH (autovacuum_enabled = off)`);
  await sql(`INSERT INTO tags SELECT i, 'tag' FROM generate_series(1, 50) i`);
  await sql('ANALYZE');
  exporter = await startTestExporter({
    postgres: [{ name: 'main', dsn: admin, tables: { topN: 1, minSizeBytes: 0 } }],
  });
  await exporter.firstScheduledRuns;
});

afterAll(async () => {
  await exporter?.close();
  await queryOnce(harness().primary.dsn, `DROP DATABASE IF EXISTS ${DB}`);
});

describe('bloat and vacuum', () => {
  it('sees dead rows and bloat after a mass delete, and both drop after VACUUM', async () => {
    let m = await bloatMetrics();
    const size = m.value(tableSizeBytes.name, orders);
    expect(size).toBeGreaterThan(2_000_000);
    expect(m.value(tableDeadTuples.name, orders)).toBe(0);
    expect(m.value(tableBloatRatio.name, orders)).toBeLessThan(0.2);
    expect(m.value(tableLastAnalyze.name, { ...orders, mode: 'manual' })).toBeGreaterThan(Date.now() / 1000 - 300);
    expect(m.has(tableLastVacuum.name, orders)).toBe(false);

    // The newest 80 % of rows go: their pages are at the end of the heap.
    await sql('DELETE FROM orders WHERE id > 4000');
    await sql('ANALYZE orders');
    // The server publishes table statistics up to a second late.
    await eventually(async () => (await bloatMetrics()).value(tableDeadTuples.name, orders) === 16000, 'the dead rows counted');
    m = await bloatMetrics();
    expect(m.value(tableBloatRatio.name, orders)).toBeGreaterThan(0.7);
    expect(m.value(tableBloatBytes.name, orders)).toBeGreaterThan(0.7 * size * 0.8);

    // VACUUM frees the dead rows and gives the empty tail of the heap back.
    await sql('VACUUM orders');
    await eventually(async () => (await bloatMetrics()).value(tableDeadTuples.name, orders) === 0, 'the dead rows gone');
    m = await bloatMetrics();
    expect(m.value(tableBloatRatio.name, orders)).toBeLessThan(0.2);
    expect(m.value(tableLastVacuum.name, { ...orders, mode: 'manual' })).toBeGreaterThan(Date.now() / 1000 - 60);
    // The primary key keeps its pages (VACUUM does not shrink indexes): now mostly empty.
    expect(m.value(indexBloatBytes.name, { ...orders, index: 'orders_pkey' })).toBeGreaterThan(200_000);
  });

  it('keeps top-N per database and sums the other tables into table="other"', async () => {
    await sql('DELETE FROM notes WHERE id > 100');
    await sql('DELETE FROM tags WHERE id > 10');
    await eventually(async () => (await bloatMetrics()).has(tableDeadTuples.name, { ...orders, table: 'notes' }), 'notes among the top tables');
    const m = await bloatMetrics();
    // topN 1: orders is the top by bloat, notes by dead rows; tags is in other.
    expect(m.value(tableDeadTuples.name, { ...orders, table: 'notes' })).toBe(400);
    expect(m.has(tableDeadTuples.name, { ...orders, table: 'tags' })).toBe(false);
    expect(m.value(tableDeadTuples.name, { ...orders, schema: '', table: 'other' })).toBe(40);
  });

  it('counts invalid indexes and reports XID age per database', async () => {
    await sql(`INSERT INTO tags VALUES (1, 'duplicate')`);
    await expect(sql('CREATE UNIQUE INDEX CONCURRENTLY tags_id_unique ON tags (id)')).rejects.toThrow(/could not create unique index/);
    const m = await bloatMetrics();
    expect(m.value(invalidIndexes.name, { target: 'main', datname: DB })).toBe(1);
    expect(m.value(databaseXidAge.name, { target: 'main', datname: DB })).toBeGreaterThan(0);
    await sql('DROP INDEX tags_id_unique');
  });
});

describe('tables whose bloat cannot be estimated', () => {
  it('are counted, not guessed: a table never analyzed has no bloat series', async () => {
    await sql(`CREATE TABLE fresh (id int, body text) WITH (autovacuum_enabled = off)`);
    await sql(`INSERT INTO fresh SELECT i, repeat('f', 50) FROM generate_series(1, 3000) i`);
    const m = await bloatMetrics();
    expect(m.value(unestimatedTables.name, { target: 'main', datname: DB })).toBe(1);
    expect(m.has(tableBloatBytes.name, { ...orders, table: 'fresh' })).toBe(false);
    await sql('DROP TABLE fresh');
  });
});

describe('per-table cache counters', () => {
  interface Totals {
    heap_hit: number;
    heap_read: number;
    index_hit: number;
  }
  const totals = async () =>
    (await sql(
      `SELECT sum(heap_blks_hit)::float8 AS heap_hit, sum(heap_blks_read)::float8 AS heap_read,
              sum(coalesce(idx_blks_hit, 0))::float8 AS index_hit FROM pg_statio_user_tables`,
    ))[0] as Totals;
  const series = (metrics: ParsedMetrics, name: string, kind: string) => metrics.find(name, { target: 'fresh', datname: DB, kind });
  const sum = (metrics: ParsedMetrics, name: string, kind: string) => series(metrics, name, kind).reduce((acc, s) => acc + s.value, 0);

  it('count heap and index accesses; the series add up to pg_statio_user_tables, and "other" never goes back when a table joins the top', async () => {
    await sql('DROP TABLE IF EXISTS hot');
    await sql(`CREATE TABLE hot (id int) WITH (autovacuum_enabled = off)`);
    await sql('INSERT INTO hot VALUES (1)');
    await sql('SELECT count(*) FROM orders WHERE id < 100');
    // An exporter of this test's own: its first run is the one that adds up exactly.
    const cache = await startTestExporter({ postgres: [{ name: 'fresh', dsn: harness().primary.dsn, tables: { topN: 1, minSizeBytes: 0 } }] });
    const refreshed = async () => {
      await cache.scheduled.refresh('pg_table_cache', 'fresh');
      return (await cache.scrape()).metrics;
    };
    try {
      await cache.firstScheduledRuns;
      const first = (await cache.scrape()).metrics;
      const before = await totals();
      expect(sum(first, tableBlocksHit.name, 'heap')).toBe(before.heap_hit);
      expect(sum(first, tableBlocksRead.name, 'heap')).toBe(before.heap_read);
      expect(sum(first, tableBlocksHit.name, 'index')).toBe(before.index_hit);
      // topN 1: orders, the busiest, has series of its own; the rest is "other".
      expect(series(first, tableBlocksHit.name, 'heap').map((x) => x.labels.table).sort()).toEqual(['orders', 'other']);

      // Make `hot` the busiest table: one heap access per rescan.
      const [orders] = (await sql(
        `SELECT (heap_blks_hit + heap_blks_read + coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0))::int AS n FROM pg_statio_user_tables WHERE relname = 'orders'`,
      )) as { n: number }[];
      await sql(`DO $$ BEGIN FOR i IN 1..${orders!.n + 1000} LOOP PERFORM count(*) FROM hot; END LOOP; END $$`);
      let second = first;
      await eventually(async () => {
        second = await refreshed();
        return series(second, tableBlocksHit.name, 'heap').some((x) => x.labels.table === 'hot');
      }, 'hot joining the top');
      const after = await totals();
      // orders stays (sticky), hot joined: its history left "other", which still did not go down.
      expect(series(second, tableBlocksHit.name, 'heap').map((x) => x.labels.table).sort()).toEqual(['hot', 'orders', 'other']);
      const otherOf = (m: ParsedMetrics) => m.value(tableBlocksHit.name, { target: 'fresh', datname: DB, schema: '', table: 'other', kind: 'heap' });
      expect(otherOf(second)).toBeGreaterThanOrEqual(otherOf(first));
      // Rates add up: what the series that exist in both scrapes gained is what the database gained.
      const gained = series(first, tableBlocksHit.name, 'heap').reduce((acc, s) => acc + second.value(tableBlocksHit.name, s.labels) - s.value, 0);
      expect(gained).toBe(after.heap_hit - before.heap_hit);
    } finally {
      await cache.close();
    }
  });
});

describe('a database that refuses the exporter', () => {
  it('is reported on its own while the other databases are still read', async () => {
    const admin = harness().primary.dsn;
    await queryOnce(admin, 'DROP DATABASE IF EXISTS upkeep_locked');
    await queryOnce(admin, 'DROP ROLE IF EXISTS upkeep_reader');
    await queryOnce(admin, 'CREATE ROLE upkeep_reader LOGIN IN ROLE pg_monitor, pg_read_all_data');
    // A connection limit of 0 turns away every role but superusers.
    await queryOnce(admin, 'CREATE DATABASE upkeep_locked CONNECTION LIMIT 0');
    const reader = await startTestExporter({ postgres: [{ name: 'reader', dsn: admin.replace('postgres@', 'upkeep_reader@'), tables: { minSizeBytes: 0 } }] });
    try {
      await reader.firstScheduledRuns;
      const { metrics } = await reader.scrape();
      for (const collector of ['pg_table_cache', 'pg_bloat']) {
        expect(metrics.value('upkeep_collector_success', { collector, target: 'reader' })).toBe(1);
        expect(metrics.value(databaseVisitSuccess.name, { target: 'reader', collector, datname: 'upkeep_locked' })).toBe(0);
        expect(metrics.value(databaseVisitSuccess.name, { target: 'reader', collector, datname: DB })).toBe(1);
      }
      expect(metrics.has(tableBlocksHit.name, { target: 'reader', datname: DB, table: 'orders', kind: 'heap' })).toBe(true);
      expect(metrics.has(tableDeadTuples.name, { target: 'reader', datname: DB, table: 'orders' })).toBe(true);
      // Logged when it starts, once per collector, not on every run.
      await Promise.all(['pg_table_cache', 'pg_bloat'].map((collector) => reader.scheduled.refresh(collector, 'reader')));
      await reader.scrape();
      const lines = reader.captured.events('database.unreadable').filter((l) => l.datname === 'upkeep_locked');
      expect(lines.map((l) => l.collector).sort()).toEqual(['pg_bloat', 'pg_table_cache']);
      expect(String(lines[0]!.error)).toMatch(/too many connections/);
    } finally {
      await reader.close();
      await queryOnce(admin, 'DROP DATABASE upkeep_locked');
      await queryOnce(admin, 'DROP ROLE upkeep_reader');
    }
  });
});

