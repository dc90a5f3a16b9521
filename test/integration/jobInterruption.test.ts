/**
 * Nothing is lost when the exporter dies mid-job: SIGKILL it during a
 * backup, start it again, and the job reads `interrupted`, the audit trail
 * says what happened, and no half-written backup is left in the directory.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../exporter/src/freePort.js';
import { api, type JobBody } from '../harness/api.js';
import { RunningCommand } from '../harness/cli.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';
import { eventually, harness, queryOnce } from '../harness/index.js';

const TOKEN = 'interruption-admin-token-0123456789';

let dir: string;
let binDir: string;
let dumps: string;
let state: TestDatabase;
let config: string;
const running: RunningCommand[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(harness().runDir, 'interrupt-'));
  binDir = join(dir, 'bin');
  dumps = join(dir, 'dumps');
  await Promise.all([mkdir(binDir), mkdir(dumps)]);
  // A pg_dump that takes its time before dumping, so the test can kill the exporter mid-backup.
  const realPgDump = join(harness().postgresBinDir, 'pg_dump');
  await writeFile(join(binDir, 'pg_dump'), `#!/bin/sh\ncase "$1" in --version) exec "${realPgDump}" --version;; esac\nprintf 'PGDMP'\nsleep 15\nexec "${realPgDump}" "$@"\n`);
  await chmod(join(binDir, 'pg_dump'), 0o755);
  state = await createTestDatabase('interrupt_state');
  const port = await freePort();
  config = join(dir, 'upkeep.yaml');
  await writeFile(
    config,
    [
      `listen: 127.0.0.1:${port}`,
      'postgres:',
      `  - { name: main, dsn: "${harness().primary.dsn}" }`,
      'backups:',
      `  - { name: dumps, target: main, kind: dump-dir, path: "${dumps}", binDir: "${binDir}" }`,
      'state:',
      `  dsn: "${state.dsn}"`,
      'auth:',
      '  tokens:',
      '    - { name: ops, tokenEnv: INTERRUPT_TOKEN, role: admin }',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  for (const command of running) command.kill();
  // The slow pg_dump wrapper outlives a SIGKILLed exporter until its sleep ends: end its process group.
  const pids = await new Promise<string>((resolve) => execFile('pgrep', ['-f', binDir], (_error, stdout) => resolve(stdout)));
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(-Number(pid), 'SIGKILL');
    } catch {
      // gone already, or not a group leader
    }
  }
  await state?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function startServe(): Promise<{ command: RunningCommand; url: string }> {
  const command = await RunningCommand.upkeep(['serve', '--config', config], { INTERRUPT_TOKEN: TOKEN });
  running.push(command);
  const started = await command.waitForEvent('exporter.started');
  const url = String(started.url);
  await eventually(async () => (await api<{ api: { jobs: { state: string } } }>(url, 'GET', '/readyz')).body.api.jobs.state === 'ready', 'the job service to be ready');
  return { command, url };
}

describe('an exporter killed mid-backup', () => {
  it('marks the job interrupted once the restarted exporter sees it is gone, keeps the audit trail, and leaves no partial backup', async () => {
    const first = await startServe();
    const submitted = await api<{ job: JobBody }>(first.url, 'POST', '/api/v1/jobs', { token: TOKEN, body: { action: 'backup', target: 'main' } });
    expect(submitted.status).toBe(202);
    const id = submitted.body.job.id;
    await eventually(async () => {
      const { body } = await api<{ job: JobBody }>(first.url, 'GET', `/api/v1/jobs/${id}`, { token: TOKEN });
      return body.job.progress?.phase === 'dumping' && typeof body.job.progress.detail?.file === 'string';
    }, 'the backup to be dumping, with its progress saved');
    expect((await readdir(dumps)).some((f) => f.endsWith('.partial'))).toBe(true);

    first.command.child.kill('SIGKILL');
    await first.command.waitForExit();

    const second = await startServe();
    // Declared dead once its presence lock is free and its heartbeat ten seconds old; swept every five.
    let job: JobBody | undefined;
    await eventually(
      async () => {
        job = (await api<{ job: JobBody }>(second.url, 'GET', `/api/v1/jobs/${id}`, { token: TOKEN })).body.job;
        return job.status !== 'running';
      },
      'the killed job to be swept',
      30_000,
    );
    const body = { job: job! };
    expect(body.job.status).toBe('interrupted');
    expect(body.job.error?.code).toBe('interrupted');
    expect(await readdir(dumps)).toEqual([]);

    const audit = await queryOnce<{ event: string; outcome: string; actor: string; detail: string }>(
      state.dsn,
      'SELECT event, outcome, actor, detail FROM upkeep.audit WHERE job_id = $1 ORDER BY id',
      [id],
    );
    expect(audit.map((a) => [a.event, a.outcome])).toEqual([
      ['job.requested', 'accepted'],
      ['job.interrupted', 'interrupted'],
    ]);
    expect(audit[0]?.actor).toBe('ops');
    expect(audit[1]?.detail).toContain('.partial');
    const scrape = await fetch(`${second.url}/metrics`).then((r) => r.text());
    expect(scrape).toMatch(/upkeep_job_runs_total\{action="backup",result="interrupted"\} 1/);
  });
});
