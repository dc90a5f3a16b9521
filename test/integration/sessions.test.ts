/**
 * Session metrics from real sessions in a database of the test's own: one
 * holds a lock and sits idle in its transaction, one waits for that lock,
 * one runs a long query.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedSessions, idleInTransactionLongest, longestQuery, longestTransaction, sessions } from '../../exporter/src/collectors/pgSessions.js';
import { eventually, harness, queryOnce, startTestExporter, type TestExporter } from '../harness/index.js';

const DB = 'upkeep_sessions';
let exporter: TestExporter;
const clients: pg.Client[] = [];

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: harness().primary.dsn.replace(/\/postgres$/, `/${DB}`), application_name: 'upkeep-tests' });
  await c.connect();
  c.on('error', () => undefined); // terminated at the end of the test
  clients.push(c);
  return c;
}

beforeAll(async () => {
  await queryOnce(harness().primary.dsn, `DROP DATABASE IF EXISTS ${DB}`);
  await queryOnce(harness().primary.dsn, `CREATE DATABASE ${DB}`);
  exporter = await startTestExporter({ postgres: [{ name: 'main', dsn: harness().primary.dsn }] });
});

afterAll(async () => {
  await exporter?.close();
  await queryOnce(harness().primary.dsn, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${DB}'`);
  await Promise.allSettled(clients.map((c) => c.end()));
  await queryOnce(harness().primary.dsn, `DROP DATABASE IF EXISTS ${DB}`);
});

describe('sessions', () => {
  it('counts states, and sees the long query, the idle transaction and the blocked session', async () => {
    const holder = await client();
    await holder.query('CREATE TABLE t (id int)');
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
    const waiter = await client();
    const waiting = waiter.query('SELECT count(*) FROM t').catch(() => undefined);
    const sleeper = await client();
    const sleeping = sleeper.query('SELECT pg_sleep(60)').catch(() => undefined);

    await eventually(async () => {
      const { metrics } = await exporter.scrape();
      return (
        metrics.value(blockedSessions.name, { target: 'main' }) >= 1 &&
        metrics.value(longestQuery.name, { target: 'main' }) >= 1.5 &&
        metrics.value(idleInTransactionLongest.name, { target: 'main' }) >= 1.5
      );
    }, 'a blocked session, a query running for over 1.5 s and a transaction idle for as long');
    const { metrics } = await exporter.scrape();
    expect(metrics.value(sessions.name, { target: 'main', datname: DB, state: 'active' })).toBe(2);
    expect(metrics.value(sessions.name, { target: 'main', datname: DB, state: 'idle in transaction' })).toBe(1);
    // The exporter's own sessions in the database (it reads per-table statistics there) are not counted.
    expect(metrics.value(sessions.name, { target: 'main', datname: DB, state: 'idle' })).toBe(0);
    expect(metrics.value(longestTransaction.name, { target: 'main' })).toBeGreaterThanOrEqual(metrics.value(idleInTransactionLongest.name, { target: 'main' }));

    await holder.query('ROLLBACK');
    await waiting;
    await queryOnce(harness().primary.dsn, `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = '${DB}' AND query LIKE 'SELECT pg_sleep%'`);
    await sleeping;
    await eventually(async () => {
      const { metrics: after } = await exporter.scrape();
      return after.value(sessions.name, { target: 'main', datname: DB, state: 'idle' }) === 3 && after.value(sessions.name, { target: 'main', datname: DB, state: 'active' }) === 0;
    }, 'all three sessions idle again');
  });
});
