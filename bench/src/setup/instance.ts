/**
 * The large instance every exporter is measured against: a PostgreSQL
 * primary with the tables and statements, and a streaming standby so that
 * replication has something to report.
 */
import { join } from 'node:path';
import { PostgresCluster } from '../../../test/harness/postgresCluster.js';
import { progress, timed } from '../progress.js';
import { onTeardown } from '../teardown.js';
import { CREATE_ROLES, ROLES } from './roles.js';
import { createStatements } from './statements.js';
import { createTables } from './tables.js';
import { serverTlsSettings } from './tls.js';

/** The database that holds the tables; every exporter's DSN points here. */
export const APP_DATABASE = 'app';

export interface Instance {
  primary: PostgresCluster;
  standby: PostgresCluster;
  setupSeconds: number;
}

const PRIMARY_SETTINGS: Record<string, string | number | boolean> = {
  'pg_stat_statements.max': 10_000,
  // Top-level statements only: with 'all' a function's inner statements would count twice in the sums.
  'pg_stat_statements.track': 'top',
  // Planning a catalog query over thousands of tables is part of what a scrape costs.
  'pg_stat_statements.track_planning': true,
  // Dead tuples must stay where the setup left them.
  autovacuum: false,
};

/** Stops a cluster at teardown; a cluster already gone is fine. */
function stopAtTeardown(cluster: PostgresCluster, label: string): void {
  onTeardown(`stop ${label}`, async () => {
    if (await cluster.isRunning()) await cluster.stop('immediate');
  }, 'server');
}

export async function buildInstance(binDir: string, runDir: string, tables: number, statements: number): Promise<Instance> {
  const start = performance.now();
  const tls = await serverTlsSettings(join(runDir, 'certificates'));
  const { result: primary } = await timed('primary started', () =>
    PostgresCluster.createPrimary(binDir, { directory: join(runDir, 'primary'), settings: { ...PRIMARY_SETTINGS, ...tls } }),
  );
  stopAtTeardown(primary, 'primary');
  for (const sql of CREATE_ROLES) await primary.query(sql);
  await primary.query(`CREATE DATABASE ${APP_DATABASE}`);
  await primary.query('CREATE EXTENSION pg_stat_statements', [], APP_DATABASE);
  await primary.query(`GRANT USAGE ON SCHEMA public TO ${ROLES.workload}`, [], APP_DATABASE);

  await timed(`${tables} tables with rows and dead tuples, analyzed`, () => createTables(primary.dsn(APP_DATABASE), tables));
  // The setup's own DDL filled pg_stat_statements; the exporters must find the workload's statements there.
  await primary.query('SELECT pg_stat_statements_reset()', [], APP_DATABASE);
  await timed(`${statements} distinct statements by ${ROLES.workload}`, () =>
    createStatements(primary.dsn(APP_DATABASE, ROLES.workload), tables, statements),
  );

  const { result: standby } = await timed('streaming standby (pg_basebackup)', () =>
    PostgresCluster.createStandby(primary, 'bench_standby', { directory: join(runDir, 'standby') }),
  );
  stopAtTeardown(standby, 'standby');
  await waitForStreaming(primary);
  const setupSeconds = (performance.now() - start) / 1000;
  progress(`setup done in ${setupSeconds.toFixed(1)} s`);
  return { primary, standby, setupSeconds };
}

/** The standby counts only once the primary sees it streaming. */
async function waitForStreaming(primary: PostgresCluster): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const rows = await primary.query<{ state: string }>(`SELECT state FROM pg_stat_replication`);
    if (rows.some((r) => r.state === 'streaming')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the standby did not start streaming within 60 s');
}
