/**
 * `upkeep run`: one action from a shell, through the same runner, state,
 * locks and audit as the API, with the OS user as the actor.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../exporter/src/freePort.js';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';
import { harness, queryOnce } from '../harness/index.js';

let dir: string;
let state: TestDatabase;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(harness().runDir, 'run-'));
  state = await createTestDatabase('run_state');
  config = join(dir, 'upkeep.yaml');
  await writeFile(config, `postgres:\n  - name: main\n    dsn: ${harness().primary.dsn}\nstate:\n  dsn: ${state.dsn}\n`);
});

afterAll(async () => {
  await state?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** A session running a long query, as the thing an operator acts on. */
async function victim(): Promise<{ pid: number; queryStart: string; client: pg.Client; query: Promise<unknown> }> {
  const client = new pg.Client({ connectionString: harness().primary.dsn, application_name: 'run-victim' });
  await client.connect();
  client.on('error', () => undefined);
  const query = client.query('SELECT pg_sleep(60)').catch((err: unknown) => err);
  let row: { pid: number; query_start: string } | undefined;
  for (let i = 0; i < 50 && !row; i++) {
    [row] = await queryOnce<{ pid: number; query_start: string }>(
      harness().primary.dsn,
      `SELECT pid, to_char(query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS query_start
         FROM pg_stat_activity WHERE application_name = 'run-victim' AND state = 'active'`,
    );
    if (!row) await new Promise((r) => setTimeout(r, 100));
  }
  if (!row) throw new Error('victim query did not start');
  return { pid: row.pid, queryStart: row.query_start, client, query };
}

describe('upkeep run', () => {
  it('runs an action to completion, prints the result as JSON and records the OS user in the audit log', async () => {
    const v = await victim();
    try {
      const { code, stdout, stderr } = await runCli(['run', 'cancel-query', '--config', config, '--target', 'main', '--param', `pid=${v.pid}`, '--param', `queryStart=${v.queryStart}`]);
      expect(code, stderr).toBe(0);
      const printed = JSON.parse(stdout) as { id: string; status: string; result: Record<string, unknown> };
      expect(printed.status).toBe('succeeded');
      expect(stderr).toContain(`job ${printed.id} succeeded`);
      expect(((await v.query) as { code?: string }).code).toBe('57014');
      const audit = await queryOnce<{ actor: string; origin: string; event: string; outcome: string }>(
        state.dsn,
        'SELECT actor, origin, event, outcome FROM upkeep.audit WHERE job_id = $1 ORDER BY id',
        [printed.id],
      );
      expect(audit).toEqual([
        { actor: `os:${userInfo().username}`, origin: 'cli', event: 'job.requested', outcome: 'accepted' },
        { actor: `os:${userInfo().username}`, origin: 'cli', event: 'job.finished', outcome: 'succeeded' },
      ]);
    } finally {
      await v.client.end().catch(() => undefined);
    }
  });

  it('does a dry run without changing anything', async () => {
    const v = await victim();
    try {
      const { code, stdout } = await runCli(['run', 'terminate-backend', '-c', config, '-t', 'main', '-p', `pid=${v.pid}`, '-p', `queryStart=${v.queryStart}`, '--dry-run']);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ status: 'succeeded', result: { wouldSignal: true } });
      const still = await queryOnce(harness().primary.dsn, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = $2', [v.pid, 'active']);
      expect(still).toHaveLength(1);
    } finally {
      await v.client.end().catch(() => undefined);
    }
  });

  it('exits 2 for an invalid request, before anything runs', async () => {
    const unknown = await runCli(['run', 'drop-database', '-c', config, '-t', 'main']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no action named "drop-database"');
    const badParam = await runCli(['run', 'cancel-query', '-c', config, '-t', 'main', '-p', 'pid=abc', '-p', 'queryStart=yesterday']);
    expect(badParam.code).toBe(2);
    expect(badParam.stderr).toContain('invalid params for cancel-query');
    const gone = await runCli(['run', 'cancel-query', '-c', config, '-t', 'main', '-p', 'pid=999999', '-p', 'queryStart=2020-01-01T00:00:00.000Z']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('unknown_session');
    const usage = await runCli(['run', 'cancel-query', '-c', config]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--target');
    const wrongCommand = await runCli(['serve', '--target', 'main']);
    expect(wrongCommand.code).toBe(2);
  });

  it('exits 1 when the state database cannot be reached', async () => {
    const unreachable = join(dir, 'unreachable.yaml');
    const closed = await freePort();
    await writeFile(unreachable, `postgres:\n  - name: main\n    dsn: ${harness().primary.dsn}\nstate:\n  dsn: postgresql://postgres@127.0.0.1:${closed}/state\n`);
    const { code, stderr } = await runCli(['run', 'reset-statements', '-c', unreachable, '-t', 'main', '--dry-run']);
    expect(code).toBe(1);
    expect(stderr).toContain('state database is not available');
  });

  it('refuses to run without a state database', async () => {
    const stateless = join(dir, 'stateless.yaml');
    await writeFile(stateless, `postgres:\n  - name: main\n    dsn: ${harness().primary.dsn}\n`);
    const { code, stderr } = await runCli(['run', 'reset-statements', '-c', stateless, '-t', 'main', '--dry-run']);
    expect(code).toBe(2);
    expect(stderr).toContain('no `state` database');
  });
});
