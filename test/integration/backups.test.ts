/**
 * The `backups` collector end to end: real pg_dump files with manifests,
 * pgBackRest against a throwaway cluster with a local repository, and
 * stand-in commands for what cannot be produced here (a hanging repository,
 * garbage output, a failing tool, WAL-G). A broken source marks only itself
 * down; the collector run, the scrape and the other sources carry on.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manifestPathFor, readManifest, withVerification, writeDumpManifest, writeManifest } from '../../exporter/src/backups/manifest.js';
import {
  backupCount,
  backupInProgress,
  backupLastDuration,
  backupLastSize,
  backupLastSuccess,
  backupLastVerified,
  backupSourceError,
  backupSourceInfo,
  backupSourceUp,
  backupsRejected,
  pgbackrestStatusCode,
} from '../../exporter/src/collectors/backups.js';
import { collectorDuration, collectorSuccess } from '../../exporter/src/metrics/exporterFamilies.js';
import {
  createScratchPrimary,
  eventually,
  harness,
  makeServerOwnedDirectory,
  promtoolCheckMetrics,
  startTestExporter,
  temporaryDirectory,
  type ParsedMetrics,
  type PostgresCluster,
  type TestExporter,
} from '../harness/index.js';
import { runAsServerUser } from '../harness/processes.js';

const execFileAsync = promisify(execFile);
const fixtures = fileURLToPath(new URL('../fixtures/backups/', import.meta.url));
const standin = (name: string) => join(fixtures, 'standins', name);
const backupsHealth = (target: string) => ({ collector: 'backups', target });
/** Runs only at start-up and on refresh, so a cron tick during a test cannot add a run. */
const ON_DEMAND = { backups: { schedule: '0 0 1 1 *' } };

let exporter: TestExporter | undefined;

afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});

const workDirectory = temporaryDirectory;

/** One source's samples of a family, keyed by a label (backup_kind, reason). */
function byLabel(metrics: ParsedMetrics, family: string, source: string, label: string): Record<string, number> {
  return Object.fromEntries(metrics.find(family, { source }).map((s): [string, number] => [s.labels[label] ?? '', s.value]));
}

describe('dump directory with real pg_dump files', () => {
  let dumps: string;

  beforeAll(async () => {
    dumps = await workDirectory('dumps-');
  });

  afterAll(async () => {
    await rm(dumps, { recursive: true, force: true });
  });

  /** pg_dump -Fc of the harness primary, then the manifest the backup action will write. */
  async function dumpPrimary(file: string) {
    const h = harness();
    const path = join(dumps, file);
    const startedAt = new Date();
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG')));
    await execFileAsync(join(h.postgresBinDir, 'pg_dump'), ['-Fc', '-d', h.primary.dsn, '-f', path], { env });
    const finishedAt = new Date();
    const { stdout: pgDumpVersion } = await execFileAsync(join(h.postgresBinDir, 'pg_dump'), ['--version']);
    const manifest = await writeDumpManifest(path, {
      startedAt,
      finishedAt,
      target: 'primary',
      database: 'postgres',
      dumpFormat: 'custom',
      pgDumpVersion: pgDumpVersion.trim(),
      serverVersion: h.postgresVersion,
    });
    return { path, manifest };
  }

  it('counts a pg_dump with its manifest, and shows dumps without one, broken manifests and partial files without counting them', async () => {
    const { path, manifest } = await dumpPrimary('primary-1.dump');
    expect(manifest.sha256).toBe(createHash('sha256').update(await readFile(path)).digest('hex'));
    expect((await readFile(path)).subarray(0, 5).toString()).toBe('PGDMP');
    // A copy without a manifest, a dump whose manifest is broken, and one still being written.
    await writeFile(join(dumps, 'copied-by-hand.dump'), await readFile(path));
    await writeFile(join(dumps, 'broken.dump'), await readFile(path));
    await writeFile(manifestPathFor(join(dumps, 'broken.dump')), '{"format": "upkeep.dump-manifest", "formatVersion": 1,');
    await writeFile(join(dumps, 'primary-2.dump.partial'), 'PGDMP');

    exporter = await startTestExporter({
      postgres: [{ name: 'primary', dsn: harness().primary.dsn }],
      backups: [{ name: 'nightly', target: 'primary', kind: 'dump-dir', path: dumps }],
    });
    await exporter.firstScheduledRuns;
    const { metrics, text } = await exporter.scrape();
    const nightly = { target: 'primary', source: 'nightly' };
    const dump = { ...nightly, backup_kind: 'dump' };

    expect(metrics.value(collectorSuccess.name, backupsHealth('primary'))).toBe(1);
    expect(metrics.value(backupSourceUp.name, nightly)).toBe(1);
    expect(metrics.value(backupSourceInfo.name, { ...nightly, source_kind: 'dump-dir' })).toBe(1);
    expect(metrics.value(backupCount.name, nightly)).toBe(1);
    expect(metrics.value(backupLastSuccess.name, dump)).toBeCloseTo(Date.parse(manifest.finishedAt) / 1000, 3);
    expect(metrics.value(backupLastSize.name, dump)).toBe((await stat(path)).size);
    expect(metrics.value(backupLastDuration.name, dump)).toBeCloseTo((Date.parse(manifest.finishedAt) - Date.parse(manifest.startedAt)) / 1000, 3);
    expect(byLabel(metrics, backupsRejected.name, 'nightly', 'reason')).toEqual({
      no_manifest: 1,
      partial: 1,
      invalid_manifest: 1,
      missing_dump: 0,
      size_mismatch: 0,
      verification_failed: 0,
    });
    expect(metrics.value(backupLastVerified.name, nightly)).toBe(0);
    expect(metrics.has(backupSourceError.name, nightly)).toBe(false);
    expect(metrics.help.get(backupLastSuccess.name)).toContain('Cached: refreshed by the backups collector on schedule "*/5 * * * *"');
    expect((await promtoolCheckMetrics(text)).code).toBe(0);
    const notCounted = exporter.captured.events('backup_source.not_counted');
    expect(notCounted).toHaveLength(1);
    expect(notCounted[0]).toMatchObject({ source: 'nightly', rejected: 'no_manifest=1 partial=1 invalid_manifest=1' });
  });

  it('sees a new dump and a verification as soon as the collector is refreshed', async () => {
    exporter = await startTestExporter({
      postgres: [{ name: 'primary', dsn: harness().primary.dsn }],
      backups: [{ name: 'nightly', target: 'primary', kind: 'dump-dir', path: dumps }],
      collectors: ON_DEMAND,
    });
    await exporter.firstScheduledRuns;
    const nightly = { target: 'primary', source: 'nightly' };
    const countBefore = (await exporter.scrape()).metrics.value(backupCount.name, nightly);

    const { path, manifest } = await dumpPrimary('primary-3.dump');
    const verifiedAt = new Date().toISOString();
    await writeManifest(manifestPathFor(path), withVerification(manifest, { verifiedAt, ok: true, method: 'sha256+pg_restore-list' }));
    expect(await readManifest(manifestPathFor(path))).toMatchObject({ ok: true, manifest: { verifications: [{ verifiedAt, ok: true }] } });
    await exporter.scheduled.refresh('backups');

    const { metrics } = await exporter.scrape();
    expect(metrics.value(backupCount.name, nightly)).toBe(countBefore + 1);
    expect(metrics.value(backupLastSuccess.name, { ...nightly, backup_kind: 'dump' })).toBeCloseTo(Date.parse(manifest.finishedAt) / 1000, 3);
    expect(metrics.value(backupLastVerified.name, nightly)).toBeCloseTo(Date.parse(verifiedAt) / 1000, 3);
  });
});

describe('pgBackRest, the real tool against a throwaway cluster', () => {
  const STANZA = 'upkeep';
  let cluster: (PostgresCluster & { destroy(): Promise<void> }) | undefined;
  let work: string;
  let configFile: string;

  const pgbackrest = (...args: string[]) => runAsServerUser('pgbackrest', [`--config=${configFile}`, `--stanza=${STANZA}`, ...args]);

  interface RecordedBackup {
    type: string;
    timestamp: { start: number; stop: number };
    info: { repository: { delta: number } };
  }

  /** What pgbackrest itself says, to compare the metrics with. */
  async function info(): Promise<{ backup: RecordedBackup[] }> {
    const { stdout } = await pgbackrest('--output=json', 'info');
    return (JSON.parse(stdout) as { backup: RecordedBackup[] }[])[0]!;
  }

  beforeAll(async () => {
    work = await workDirectory('pgbackrest-', true);
    configFile = join(work, 'pgbackrest.conf');
    const socketDir = join(work, 'socket');
    for (const dir of ['socket', 'repo', 'lock']) await makeServerOwnedDirectory(join(work, dir));
    // pgBackRest reaches the server through its Unix socket; the harness turns sockets off by default.
    cluster = await createScratchPrimary('pgbackrest', {
      archive_mode: 'on',
      archive_command: `pgbackrest --config=${configFile} --stanza=${STANZA} archive-push %p`,
      unix_socket_directories: socketDir,
    });
    await writeFile(
      configFile,
      [
        '[global]',
        `repo1-path=${join(work, 'repo')}`,
        'repo1-retention-full=10',
        `lock-path=${join(work, 'lock')}`,
        'log-level-console=warn',
        'log-level-file=off',
        'start-fast=y',
        'compress-type=none',
        '',
        `[${STANZA}]`,
        `pg1-path=${cluster.dataDir}`,
        `pg1-port=${cluster.port}`,
        `pg1-socket-path=${socketDir}`,
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    await pgbackrest('stanza-create');
    await pgbackrest('--type=full', 'backup');
  });

  afterAll(async () => {
    await cluster?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const configFor = () => ({
    postgres: [{ name: 'br', dsn: cluster!.dsn() }],
    backups: [
      { name: 'repo1', target: 'br', kind: 'pgbackrest', stanza: STANZA, configFile },
      // The same repository asked for a stanza it does not have: pgBackRest answers "missing stanza path".
      { name: 'typo', target: 'br', kind: 'pgbackrest', stanza: 'upkep', configFile },
    ],
  });

  it('reports the full backup for every kind, with the size and duration pgbackrest info gives', async () => {
    const [full] = (await info()).backup;
    exporter = await startTestExporter(configFor());
    await exporter.firstScheduledRuns;
    const { metrics, text } = await exporter.scrape();
    const repo1 = { target: 'br', source: 'repo1' };

    expect(metrics.value(collectorSuccess.name, backupsHealth('br'))).toBe(1);
    expect(metrics.value(backupSourceUp.name, repo1)).toBe(1);
    expect(metrics.value(backupCount.name, repo1)).toBe(1);
    // A full backup is at least as new as any diff or incr could be.
    expect(byLabel(metrics, backupLastSuccess.name, 'repo1', 'backup_kind')).toEqual({
      full: full!.timestamp.stop,
      diff: full!.timestamp.stop,
      incr: full!.timestamp.stop,
    });
    expect(metrics.value(backupLastSize.name, { ...repo1, backup_kind: 'full' })).toBe(full!.info.repository.delta);
    expect(metrics.value(backupLastDuration.name, { ...repo1, backup_kind: 'full' })).toBe(full!.timestamp.stop - full!.timestamp.start);
    expect(metrics.value(pgbackrestStatusCode.name, repo1)).toBe(0);
    expect(metrics.value(backupInProgress.name, repo1)).toBe(0);
    expect(metrics.value(backupsRejected.name, { ...repo1, reason: 'backup_error' })).toBe(0);
    expect(metrics.has(backupLastVerified.name, repo1)).toBe(false);

    const typo = { target: 'br', source: 'typo' };
    expect(metrics.value(backupSourceUp.name, typo)).toBe(0);
    expect(metrics.value(backupSourceError.name, { ...typo, reason: 'stanza_error' })).toBe(1);
    expect(metrics.value(pgbackrestStatusCode.name, typo)).toBe(1);
    expect(metrics.has(backupLastSuccess.name, typo)).toBe(false);
    expect(exporter.captured.events('backup_source.down')).toEqual([
      expect.objectContaining({ source: 'typo', reason: 'stanza_error', error: 'pgbackrest stanza "upkep": missing stanza path (status code 1)' }),
    ]);
    expect((await promtoolCheckMetrics(text)).code).toBe(0);
    expect(metrics.value(collectorDuration.name, backupsHealth('br'))).toBeLessThan(10);
  });

  it('an incremental backup moves only the incr series once the collector refreshes', async () => {
    exporter = await startTestExporter({ ...configFor(), collectors: ON_DEMAND });
    await exporter.firstScheduledRuns;
    const before = byLabel((await exporter.scrape()).metrics, backupLastSuccess.name, 'repo1', 'backup_kind');

    await cluster!.query('CREATE TABLE IF NOT EXISTS changes AS SELECT generate_series(1, 10000) AS n');
    await pgbackrest('--type=incr', 'backup');
    await exporter.scheduled.refresh('backups');

    const incr = (await info()).backup.at(-1)!;
    expect(incr.type).toBe('incr');
    const { metrics } = await exporter.scrape();
    const repo1 = { target: 'br', source: 'repo1' };
    expect(byLabel(metrics, backupLastSuccess.name, 'repo1', 'backup_kind')).toEqual({ full: before.full, diff: before.diff, incr: incr.timestamp.stop });
    expect(incr.timestamp.stop).toBeGreaterThanOrEqual(before.full!);
    expect(metrics.value(backupLastSize.name, { ...repo1, backup_kind: 'incr' })).toBe(incr.info.repository.delta);
    expect(metrics.value(backupCount.name, repo1)).toBe(2);
  });
});

describe('sources that hang, print garbage or fail', () => {
  let work: string;
  let hangingCommand: string;

  beforeAll(async () => {
    work = await workDirectory('standins-');
    // A name of this test's own, so its processes can be told from other test files' stand-ins.
    hangingCommand = join(work, 'pgbackrest-that-hangs');
    await symlink(standin('hang.sh'), hangingCommand);
    await mkdir(join(work, 'empty-dumps'));
    await writeFile(join(work, 'wal-g.json'), '{}');
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** Processes still running the hanging stand-in under this test's name. */
  async function hangingProcesses(): Promise<number[]> {
    const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
    const found: number[] = [];
    for (const pid of pids) {
      const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (commandLine.includes(hangingCommand)) found.push(Number(pid));
    }
    return found;
  }

  const sources = () => [
    { name: 'hangs', target: 'primary', kind: 'pgbackrest', stanza: 'main', command: hangingCommand, timeoutSeconds: 1 },
    { name: 'garbage', target: 'primary', kind: 'pgbackrest', stanza: 'main', command: standin('garbage.sh') },
    { name: 'fails', target: 'primary', kind: 'pgbackrest', stanza: 'main', command: standin('fails.sh') },
    { name: 'missing', target: 'primary', kind: 'pgbackrest', stanza: 'main', command: join(work, 'no-such-pgbackrest') },
    { name: 'walg', target: 'primary', kind: 'walg', command: standin('walg.sh'), configFile: join(work, 'wal-g.json') },
    { name: 'empty', target: 'primary', kind: 'dump-dir', path: join(work, 'empty-dumps') },
    { name: 'unmounted', target: 'primary', kind: 'dump-dir', path: join(work, 'not-mounted') },
  ];

  it('mark only their own source down, with a reason; the run succeeds and the other sources report normally', async () => {
    const started = performance.now();
    exporter = await startTestExporter({ postgres: [{ name: 'primary', dsn: harness().primary.dsn }], backups: sources() });
    await exporter.firstScheduledRuns;
    // Bounded by the hanging source's 1 s timeout, not by the tool.
    expect(performance.now() - started).toBeLessThan(5000);
    const { metrics, text } = await exporter.scrape();

    expect(metrics.value(collectorSuccess.name, backupsHealth('primary'))).toBe(1);
    const reasons = Object.fromEntries(metrics.find(backupSourceError.name).map((s): [string, string] => [s.labels.source ?? '', s.labels.reason ?? '']));
    expect(reasons).toEqual({
      hangs: 'timeout',
      garbage: 'invalid_output',
      fails: 'command_failed',
      missing: 'command_not_found',
      unmounted: 'unreadable',
    });
    for (const source of Object.keys(reasons)) {
      expect(metrics.value(backupSourceUp.name, { source })).toBe(0);
      expect(metrics.has(backupLastSuccess.name, { source })).toBe(false);
      expect(metrics.has(backupCount.name, { source })).toBe(false);
    }

    // WAL-G, through the stand-in: the newest full and the newest full-or-delta from its listing.
    expect(metrics.value(backupSourceUp.name, { source: 'walg' })).toBe(1);
    expect(byLabel(metrics, backupLastSuccess.name, 'walg', 'backup_kind')).toEqual({
      full: Date.parse('2025-03-03T02:05:39.217654Z') / 1000,
      delta: Date.parse('2025-03-04T02:01:11.930442Z') / 1000,
    });
    expect(byLabel(metrics, backupLastSize.name, 'walg', 'backup_kind')).toEqual({ full: 734003200, delta: 35651584 });
    expect(metrics.value(backupCount.name, { source: 'walg' })).toBe(3);

    // An empty dump directory is up, with no backups: its age is "forever", so a backup-age alert fires.
    expect(metrics.value(backupSourceUp.name, { source: 'empty' })).toBe(1);
    expect(metrics.value(backupCount.name, { source: 'empty' })).toBe(0);
    expect(metrics.value(backupLastSuccess.name, { source: 'empty', backup_kind: 'dump' })).toBe(0);
    expect(metrics.value(backupLastVerified.name, { source: 'empty' })).toBe(0);
    expect((await promtoolCheckMetrics(text)).code).toBe(0);

    const down = exporter.captured.events('backup_source.down');
    expect(down.map((e) => e.source).sort()).toEqual(['fails', 'garbage', 'hangs', 'missing', 'unmounted']);
    expect(down.find((e) => e.source === 'hangs')).toMatchObject({ reason: 'timeout', error: `${hangingCommand} did not finish within 1 s; stopped it` });
    expect(down.find((e) => e.source === 'fails')?.error).toMatch(/exited with code 39: ERROR: \[039\]: unable to find primary cluster/);
    await expectNoneLeft();
  });

  it('do not stall scrapes while a refresh waits on them, and are logged once, not on every run', async () => {
    exporter = await startTestExporter({ postgres: [{ name: 'primary', dsn: harness().primary.dsn }], backups: sources(), collectors: ON_DEMAND });
    await exporter.firstScheduledRuns;
    const refreshing = exporter.scheduled.refresh('backups');
    const during = await exporter.scrape();
    expect(during.elapsedMs).toBeLessThan(500);
    // Meanwhile the scrape serves the last run's results.
    expect(during.metrics.value(backupSourceUp.name, { source: 'walg' })).toBe(1);
    expect(during.metrics.value(backupSourceUp.name, { source: 'hangs' })).toBe(0);
    await refreshing;

    expect(exporter.captured.events('backup_source.down')).toHaveLength(5);
    expect(exporter.captured.events('backup_source.still_down')).toHaveLength(5);
    await expectNoneLeft();
  });

  it('a collector run cut short by its own timeout stops the tool it was waiting for', async () => {
    exporter = await startTestExporter({
      postgres: [{ name: 'primary', dsn: harness().primary.dsn }],
      backups: [{ name: 'hangs', target: 'primary', kind: 'pgbackrest', stanza: 'main', command: hangingCommand, timeoutSeconds: 600 }],
      collectors: { backups: { timeoutSeconds: 1 } },
    });
    await exporter.firstScheduledRuns;
    const { status, metrics } = await exporter.scrape();
    expect(status).toBe(200);
    expect(metrics.value(collectorSuccess.name, backupsHealth('primary'))).toBe(0);
    expect(exporter.captured.events('collector.failed')[0]).toMatchObject({ collector: 'backups', timeout: true });
    // The run was void: its "aborted" is not blamed on the source.
    expect(exporter.captured.events('backup_source.down')).toEqual([]);
    await expectNoneLeft();
  });

  it('the exporter stopping stops the tool a run was waiting for, children included', async () => {
    exporter = await startTestExporter({
      postgres: [{ name: 'primary', dsn: harness().primary.dsn }],
      backups: [{ name: 'hangs', target: 'primary', kind: 'pgbackrest', stanza: 'main', command: hangingCommand, timeoutSeconds: 600 }],
      collectors: { backups: { timeoutSeconds: 900 } },
    });
    await eventually(async () => (await hangingProcesses()).length > 0, 'the stand-in running');
    const shells = await hangingProcesses();
    // The stand-in's `sleep` child does not carry its name: found through its parent.
    await eventually(async () => (await childrenOf(shells)).length > 0, 'the stand-in child running');
    const started = performance.now();
    await exporter.close();
    exporter = undefined;
    expect(performance.now() - started).toBeLessThan(8000);
    await expectGone([...shells, ...(await childrenOf(shells))]);
  });

  /** Live (not zombie) processes whose parent is one of `parents`. */
  async function childrenOf(parents: number[]): Promise<number[]> {
    const found: number[] = [];
    for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && parents.includes(Number(fields[1]))) found.push(Number(pid));
    }
    return found;
  }

  async function expectGone(pids: number[]): Promise<void> {
    const alive = async () => {
      const states = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')));
      return pids.filter((_, i) => states[i] !== '' && states[i]!.slice(states[i]!.lastIndexOf(')') + 2, states[i]!.lastIndexOf(')') + 3) !== 'Z');
    };
    await eventually(async () => (await alive()).length === 0, 'the stand-in and its children gone', 5000);
  }

  async function expectNoneLeft(): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((await hangingProcesses()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await hangingProcesses()).toEqual([]);
  }
});
