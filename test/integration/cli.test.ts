/** The `upkeep` command as operators run it: exit codes, messages, start and stop. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../exporter/src/freePort.js';
import { targetUp } from '../../exporter/src/metrics/exporterFamilies.js';
import { VERSION } from '../../exporter/src/version.js';
import { RunningCommand, runCli } from '../harness/cli.js';
import { harness, scrape } from '../harness/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(harness().runDir, 'cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const running: RunningCommand[] = [];
afterEach(() => {
  for (const command of running.splice(0)) command.kill();
});

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('upkeep --help and --version', () => {
  it('prints the version', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `upkeep ${VERSION}\n`, stderr: '' });
  });

  it('prints usage with every command', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'check-config FILE', 'demo', '--config FILE', '--listen ADDR']) expect(stdout).toContain(command);
  });

  it('rejects an unknown command or option with exit code 2', async () => {
    const command = await runCli(['frobnicate']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "frobnicate"');
    const option = await runCli(['serve', '--confg', 'x.yml']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--confg'");
    const demo = await runCli(['demo', '--config', 'x.yml']);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain('demo runs its own embedded PostgreSQL and takes no --config');
    const listen = await runCli(['serve', '--listen', 'nine']);
    expect(listen.code).toBe(2);
    expect(listen.stderr).toContain('--listen must be host:port');
  });
});

describe('upkeep check-config', () => {
  it('prints both field paths of a file with two mistakes, and exits 2', async () => {
    const file = await configFile(
      'two-mistakes.yml',
      `listen: "0.0.0.0:9854"
postgres:
  - name: main
    dsn: postgresql://upkeep@db:5432/postgres
    statementTimeoutSecs: 5
redis:
  - name: cache
`,
    );
    const { code, stdout } = await runCli(['check-config', file]);
    expect(code).toBe(2);
    expect(stdout.split('\n')).toEqual([
      `${file}:5: postgres[0].statementTimeoutSecs: unknown key (did you mean "statementTimeoutSeconds"?); allowed here: name, dsn, dsnEnv, dsnFile, databases, statementTimeoutSeconds, lockTimeoutSeconds, connectTimeoutSeconds, maxConnections, heartbeat, statements, tables`,
      `${file}:7: redis[0]: needs one of url, urlEnv, urlFile`,
      `${file}: invalid, 2 problems`,
      '',
    ]);
  });

  it('accepts a valid file, with warnings, and exits 0', async () => {
    const file = await configFile(
      'valid.yml',
      'postgres:\n  - { name: main, dsnEnv: MAIN_DSN }\nstate: { dsnEnv: MAIN_DSN }\n' +
        'schedules:\n  - { name: nightly, action: backup, target: main, cron: "0 2 * * *", window: { start: "03:00", end: "04:00" } }\n',
    );
    const { code, stdout } = await runCli(['check-config', file], { MAIN_DSN: 'postgresql://db/postgres' });
    expect(code).toBe(0);
    expect(stdout).toContain(`${file}: warning: schedules[0].window: `);
    expect(stdout).toContain(`${file}: valid (1 postgres and 0 redis target(s), listen 0.0.0.0:9854)`);
  });

  it('checks scheduled actions: the action, the target kind, the params, and a state database', async () => {
    const file = await configFile(
      'schedules.yml',
      'postgres:\n  - { name: main, dsnEnv: MAIN_DSN }\nredis:\n  - { name: cache, url: "redis://127.0.0.1:1" }\nschedules:\n' +
        '  - { name: a, action: vacum, target: main, cron: "0 2 * * *" }\n' +
        '  - { name: b, action: backup, target: cache, cron: "0 2 * * *" }\n' +
        '  - { name: c, action: prune-backups, target: main, cron: "0 2 * * *", params: { keepLast: "all" } }\n',
    );
    const { code, stdout } = await runCli(['check-config', file], { MAIN_DSN: 'postgresql://db/postgres' });
    expect(code).toBe(2);
    expect(stdout).toContain(`${file}:6: schedules[0].action: refers to unknown action "vacum"`);
    expect(stdout).toContain(`${file}:7: schedules[1].target: backup runs on postgres targets; "cache" is a redis target`);
    expect(stdout).toContain(`${file}:8: schedules[2].params: invalid params for prune-backups: keepLast:`);
    expect(stdout).toContain('schedules: scheduled actions run as jobs, which need a state database');
  });

  it('needs exactly one file', async () => {
    expect((await runCli(['check-config'])).code).toBe(2);
  });
});

describe('upkeep serve', () => {
  it('refuses an invalid configuration, naming the field, and starts nothing', async () => {
    const port = await freePort();
    const file = await configFile('bad.yml', `listen: "127.0.0.1:${port}"\npostgres:\n  - { name: main, dsnEnv: UNSET_DSN_FOR_TEST }\n`);
    const { code, stderr } = await runCli(['serve', '--config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:3: postgres[0].dsnEnv: environment variable UNSET_DSN_FOR_TEST is not set`);
    expect(stderr).toContain('nothing started');
  });

  it('serves metrics from UPKEEP_CONFIG, overrides listen with --listen, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const file = await configFile('serve.yml', 'listen: "127.0.0.1:1"\npostgres:\n  - { name: primary, dsnEnv: PRIMARY_DSN }\n');
    const command = await RunningCommand.upkeep(['--listen', `127.0.0.1:${port}`], { UPKEEP_CONFIG: file, PRIMARY_DSN: harness().primary.dsn });
    running.push(command);
    const started = await command.waitForEvent('exporter.started', 30_000);
    expect(started.url).toBe(`http://127.0.0.1:${port}`);

    const { metrics } = await scrape(`http://127.0.0.1:${port}`);
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'primary' })).toBe(1);

    expect(await command.interrupt('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(command.events('shutdown.complete')).toHaveLength(1);
    // Every log line is one JSON object with time, level and event.
    for (const line of command.logLines) expect(Object.keys(line).slice(0, 3)).toEqual(['time', 'level', 'event']);
  });

  it('exits 1 from the demo too when its port is taken, leaving no server behind', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const { code, stdout } = await runCli(['demo', '--listen', `127.0.0.1:${port}`], {}, 90_000);
      expect(code).toBe(1);
      expect(stdout).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
      // The embedded server it had started was stopped and its data removed.
      const started = stdout.split('\n').find((l) => l.includes('"demo.ready"') || l.includes('"startup.failed"')) ?? '';
      expect(started).toContain('startup.failed');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const port = await freePort();
    const file = await configFile('taken.yml', `listen: "127.0.0.1:${port}"\npostgres:\n  - { name: primary, dsnEnv: PRIMARY_DSN }\n`);
    const first = await RunningCommand.upkeep(['--config', file], { PRIMARY_DSN: harness().primary.dsn });
    running.push(first);
    await first.waitForEvent('exporter.started', 30_000);
    const second = await runCli(['--config', file], { PRIMARY_DSN: harness().primary.dsn });
    expect(second.code).toBe(1);
    expect(second.stdout).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    await first.interrupt('SIGTERM');
  });
});
