/**
 * pg_stat_statements top-N on a cluster of the test's own, where only the
 * workload role is tracked (the exporter's and the test's sessions have
 * tracking off), so the view's totals are stable and the exported series
 * must add up to them exactly.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  databaseStatementCalls,
  statementCalls,
  statementExecSeconds,
  statementInfo,
  statementMeanSeconds,
  statementRows,
  statementsAvailable,
} from '../../exporter/src/collectors/pgStatements.js';
import { collectorSuccess } from '../../exporter/src/metrics/exporterFamilies.js';
import { createScratchPrimary, startTestExporter, type TestExporter } from '../harness/index.js';

const TOP_N = 3;
let cluster: Awaited<ReturnType<typeof createScratchPrimary>>;
let exporter: TestExporter;

beforeAll(async () => {
  cluster = await createScratchPrimary('statements');
  await cluster.query('CREATE EXTENSION pg_stat_statements');
  await cluster.query(`CREATE ROLE monitor LOGIN IN ROLE pg_monitor`);
  await cluster.query(`CREATE ROLE workload LOGIN`);
  for (const role of ['monitor', 'postgres']) await cluster.query(`ALTER ROLE ${role} SET pg_stat_statements.track = 'none'`);
  await cluster.query('CREATE DATABASE quiet'); // no extension here
  await cluster.query('SELECT pg_stat_statements_reset()');
  // 12 distinct statements (statement i selects i columns, which gives it its own queryid), run i times each.
  const workload = new pg.Client({ connectionString: cluster.dsn('postgres', 'workload') });
  await workload.connect();
  try {
    for (let i = 1; i <= 12; i += 1) {
      for (let k = 0; k < i; k += 1) await workload.query(`SELECT ${Array(i).fill('g').join(', ')} FROM generate_series(1, ${i}) g`);
    }
  } finally {
    await workload.end();
  }
  exporter = await startTestExporter({
    postgres: [
      { name: 'main', dsn: cluster.dsn('postgres', 'monitor'), statements: { topN: TOP_N, queryText: true, queryTextMaxLength: 24 } },
      { name: 'quiet', dsn: cluster.dsn('quiet', 'monitor') },
    ],
  });
  await exporter.firstScheduledRuns;
}, 120_000);

afterAll(async () => {
  await exporter?.close();
  await cluster?.destroy();
});

describe('statements', () => {
  it('keeps at most N by total plus N by mean, and "other" makes the sums equal the view totals', async () => {
    const { metrics } = await exporter.scrape();
    expect(metrics.value(statementsAvailable.name, { target: 'main' })).toBe(1);
    const series = metrics.find(statementCalls.name, { target: 'main', datname: 'postgres' });
    const own = series.filter((s) => s.labels.queryid !== 'other');
    expect(own.length).toBeGreaterThan(0);
    expect(own.length).toBeLessThanOrEqual(2 * TOP_N);
    const other = series.filter((s) => s.labels.queryid === 'other');
    expect(other).toHaveLength(1);
    expect(other[0]!.value).toBeGreaterThan(0); // 12 statements do not fit in 2 × 3: the rest is here

    const [totals] = await cluster.query<{ calls: number; seconds: number; rows: number }>(
      `SELECT sum(calls)::float8 AS calls, sum(total_exec_time)::float8 / 1000 AS seconds, sum(rows)::float8 AS rows
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'postgres'`,
    );
    const sum = (name: string) => metrics.find(name, { target: 'main', datname: 'postgres' }).reduce((acc, s) => acc + s.value, 0);
    expect(sum(statementCalls.name)).toBe(totals!.calls);
    expect(sum(statementRows.name)).toBe(totals!.rows);
    expect(sum(statementExecSeconds.name)).toBeCloseTo(totals!.seconds, 9);
    expect(metrics.value(databaseStatementCalls.name, { target: 'main', datname: 'postgres' })).toBe(totals!.calls);
    // The workload ran 1 + 2 + … + 12 = 78 statements; the setup statements of the workload role count too.
    expect(totals!.calls).toBeGreaterThanOrEqual(78);

    for (const s of own) {
      expect(s.labels.user).toBe('workload');
      expect(s.labels.queryid).toMatch(/^-?\d+$/);
      expect(metrics.value(statementMeanSeconds.name, s.labels)).toBeGreaterThan(0);
      const [info] = metrics.find(statementInfo.name, s.labels);
      expect(info?.labels.query).toMatch(/^SELECT g(, g)*/);
      expect(info!.labels.query!.length).toBeLessThanOrEqual(24);
    }
  });

  it('reports a missing extension as one series and one log line, not a failing collector', async () => {
    for (let i = 0; i < 3; i += 1) {
      if (i > 0) await exporter.scheduled.refresh('pg_statements', 'quiet');
      const { metrics } = await exporter.scrape();
      expect(metrics.value(statementsAvailable.name, { target: 'quiet' })).toBe(0);
      expect(metrics.value(collectorSuccess.name, { collector: 'pg_statements', target: 'quiet' })).toBe(1);
    }
    const lines = exporter.captured.events('statements.unavailable').filter((l) => l.target === 'quiet');
    expect(lines).toHaveLength(1);
    expect(String(lines[0]!.error)).toMatch(/pg_stat_statements/);
  });
});
