/**
 * What a scrape costs the monitored server: the live collectors issue a
 * fixed number of statements, whatever the number of databases, tables and
 * statements; the per-table and per-statement readings run on a schedule,
 * each a fixed number of statements per run. Counted by the server itself
 * (pg_stat_statements, for the exporter's role only) on a cluster of the
 * test's own. The figures are reported as a test annotation for the README's
 * operations section.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorDuration } from '../../exporter/src/metrics/exporterFamilies.js';
import { createScratchPrimary, startTestExporter, type TestExporter } from '../harness/index.js';

let cluster: Awaited<ReturnType<typeof createScratchPrimary>>;
let exporter: TestExporter;

/** Statements executed so far by the exporter's role, across all databases. */
async function exporterStatements(): Promise<number> {
  const [row] = await cluster.query<{ calls: number }>(
    `SELECT coalesce(sum(calls), 0)::float8 AS calls FROM pg_stat_statements WHERE userid = 'monitor'::regrole`,
  );
  return row!.calls;
}

async function statementsOf(work: () => Promise<unknown>): Promise<number> {
  const before = await exporterStatements();
  await work();
  return (await exporterStatements()) - before;
}

const statementsPerScrape = () => statementsOf(() => exporter.scrape());
const statementsPerRun = (collector: string) => statementsOf(() => exporter.scheduled.refresh(collector, 'main'));

async function addTablesAndStatements(database: string, count: number, offset: number): Promise<void> {
  const client = new pg.Client({ connectionString: cluster.dsn(database, 'workload') });
  await client.connect();
  try {
    for (let i = offset; i < offset + count; i += 1) {
      await client.query(`CREATE TABLE t${i} (id int PRIMARY KEY, body text)`);
      await client.query(`INSERT INTO t${i} SELECT g, 'x' FROM generate_series(1, 100) g`);
      await client.query(`SELECT ${Array(i + 1).fill('id').join(', ')} FROM t${i}`);
    }
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  cluster = await createScratchPrimary('cost');
  await cluster.query('CREATE EXTENSION pg_stat_statements');
  await cluster.query('CREATE ROLE monitor LOGIN IN ROLE pg_monitor, pg_read_all_data');
  await cluster.query('CREATE ROLE workload LOGIN');
  await cluster.query('CREATE DATABASE app OWNER workload');
  await cluster.query('GRANT CREATE ON SCHEMA public TO workload', [], 'app');
  await cluster.query('GRANT CREATE ON SCHEMA public TO monitor'); // the heartbeat table
  exporter = await startTestExporter({
    postgres: [{ name: 'main', dsn: cluster.dsn('postgres', 'monitor'), heartbeat: { intervalSeconds: 3600 } }],
    // Scheduled runs use the same role: none may fire between two counts.
    collectors: Object.fromEntries(['pg_bloat', 'pg_table_cache', 'pg_statements', 'pg_database_size'].map((name) => [name, { schedule: '0 0 1 1 *' }])),
  });
  await exporter.firstScheduledRuns;
}, 120_000);

afterAll(async () => {
  await exporter?.close();
  await cluster?.destroy();
});

describe('the cost of a scrape', () => {
  it('is a fixed number of statements, independent of table and statement count', async ({ annotate }) => {
    await exporter.scrape(); // first scrape: connections opened
    const small = await statementsPerScrape();
    await addTablesAndStatements('app', 40, 0);
    await exporter.scrape();
    const large = await statementsPerScrape();
    expect(large).toBe(small);
    // probe, pg_database, pg_replication, pg_heartbeat, pg_sessions, pg_wal_archive: none per database.
    expect(large).toBe(6);
    // Scheduled: one ranking of pg_stat_statements; a database listing, then one statement per database (postgres, app);
    // a database listing, then the sizes.
    expect(await statementsPerRun('pg_statements')).toBe(1);
    expect(await statementsPerRun('pg_table_cache')).toBe(3);
    expect(await statementsPerRun('pg_database_size')).toBe(2);

    // Databases: postgres and app (templates excluded by default).
    const { metrics } = await exporter.scrape();
    // Failed statements are not in pg_stat_statements: every collector must have succeeded for the count to be whole.
    expect(metrics.find('upkeep_collector_success', { target: 'main' }).filter((s) => s.value !== 1)).toEqual([]);
    const durations = metrics
      .find(collectorDuration.name, { target: 'main' })
      .map((s) => `${s.labels.collector}=${(s.value * 1000).toFixed(1)}ms`)
      .join(' ');
    // Shown by the test reporter: the figures the README's operations section quotes.
    await annotate(`statements per scrape with 2 databases: ${large} (before adding 40 tables and 40 statements: ${small}); durations: ${durations}`);
  });
});
