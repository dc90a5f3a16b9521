/** The PostgreSQL plumbing every collector stands on, against the real primary and standby. */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../exporter/src/log.js';
import { PostgresTarget } from '../../exporter/src/targets/postgres.js';
import { harness, postgresTargetConfig, queryOnce } from '../harness/index.js';

const targets: PostgresTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()));
});

async function target(name: string, dsn: string, overrides: Record<string, unknown> = {}): Promise<PostgresTarget> {
  const created = new PostgresTarget(await postgresTargetConfig({ name, dsn, maxConnections: 2, ...overrides }), silentLogger);
  targets.push(created);
  return created;
}

describe('a PostgreSQL target', () => {
  it('sets application_name and the timeouts on the server, for every session', async () => {
    const primary = await target('primary', harness().primary.dsn, { statementTimeoutSeconds: 2.5, lockTimeoutSeconds: 0.75 });
    const { rows } = await primary.query<{ app: string; statement: string; lock: string }>(
      `SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock`,
    );
    expect(rows[0]).toEqual({ app: 'upkeep', statement: '2500ms', lock: '750ms' });
  });

  it('has a slow statement cancelled by the server, not merely abandoned by the client', async () => {
    const primary = await target('primary', harness().primary.dsn, { statementTimeoutSeconds: 0.3 });
    const started = Date.now();
    await expect(primary.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('knows the server version and whether it is a primary or a standby after a probe', async () => {
    const primary = await target('primary', harness().primary.dsn);
    const standby = await target('standby', harness().standby.dsn);
    expect(primary.info).toBeUndefined();
    await Promise.all([primary.probe(), standby.probe()]);
    expect(primary.info?.role).toBe('primary');
    expect(standby.info?.role).toBe('standby');
    const major = Number(harness().postgresVersion.split('.')[0]);
    expect(Math.floor(primary.info!.versionNum / 10000)).toBe(major);
  });

  it('fails the probe of an unreachable server quickly', async () => {
    const nowhere = await target('nowhere', 'postgresql://upkeep@127.0.0.1:1/postgres');
    const started = Date.now();
    await expect(nowhere.probe()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reads other databases with the same session settings, and never holds up DROP DATABASE', async () => {
    const dsn = harness().primary.dsn;
    await queryOnce(dsn, 'DROP DATABASE IF EXISTS upkeep_other');
    await queryOnce(dsn, 'CREATE DATABASE upkeep_other');
    const primary = await target('primary', dsn, { statementTimeoutSeconds: 2 });
    await primary.probe();
    const { rows } = await primary.queryDatabase<{ db: string; app: string; timeout: string }>(
      'upkeep_other',
      `SELECT current_database() AS db, current_setting('application_name') AS app, current_setting('statement_timeout') AS timeout`,
    );
    expect(rows[0]).toEqual({ db: 'upkeep_other', app: 'upkeep', timeout: '2s' });
    // The server waits 5 s for other sessions before DROP DATABASE gives up; the exporter's is gone in about 1 s.
    await queryOnce(dsn, 'DROP DATABASE upkeep_other');
    await expect(primary.queryDatabase('upkeep_other', 'SELECT 1')).rejects.toMatchObject({ code: '3D000' });
  });

  it('routes queries for its own database to the main pool', async () => {
    const primary = await target('primary', harness().primary.dsn);
    await primary.probe();
    const { rows } = await primary.queryDatabase<{ db: string }>('postgres', 'SELECT current_database() AS db');
    expect(rows[0]?.db).toBe('postgres');
  });
});
