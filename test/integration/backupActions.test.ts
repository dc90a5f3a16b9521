/**
 * backup, verify-backup and prune-backups against the real harness primary,
 * with the harness's own pg_dump and pg_restore, in a directory of each
 * test's own. What is asserted is what lands on disk: a dump pg_restore can
 * list, a manifest that matches it, nothing partial after a failure or a
 * cancellation, a verification recorded in the manifest, a prune that
 * deletes exactly what its dry run listed and keeps what it must.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../../exporter/src/actions/backup.js';
import { removeInterruptedBackup } from '../../exporter/src/actions/interruptedBackup.js';
import { pruneBackups } from '../../exporter/src/actions/pruneBackups.js';
import { ActionRejection, type JobProgress, type Json } from '../../exporter/src/actions/types.js';
import { verifyBackup } from '../../exporter/src/actions/verifyBackup.js';
import { readDumpDir } from '../../exporter/src/backups/dumpDir.js';
import { manifestPathFor, readManifest, withVerification, writeDumpManifest, writeManifest, type DumpManifest } from '../../exporter/src/backups/manifest.js';
import { sha256OfFile } from '../../exporter/src/backups/sha256.js';
import type { BackupSourceConfig } from '../../exporter/src/config/types.js';
import { silentLogger } from '../../exporter/src/log.js';
import { PostgresTarget } from '../../exporter/src/targets/postgres.js';
import { runActionDirectly } from '../harness/actions.js';
import { eventually, harness, postgresTargetConfig, queryOnce, temporaryDirectory } from '../harness/index.js';
import { rejectionOf } from '../harness/rejection.js';

const execFileAsync = promisify(execFile);
const TARGET = 'bk';
const database = `upkeep_backup_${randomUUID().slice(0, 8)}`;
const never = new AbortController().signal;

function dsnFor(db: string): string {
  const url = new URL(harness().primary.dsn);
  url.pathname = `/${db}`;
  return url.toString();
}

const targets: PostgresTarget[] = [];
const directories: string[] = [];

async function dumpDirectory(): Promise<string> {
  const dir = await temporaryDirectory('backup-actions-');
  directories.push(dir);
  return dir;
}

/** A target connected to the test's database whose dump-dir source is `dir`. */
async function targetFor(dir: string, binDir = harness().postgresBinDir): Promise<PostgresTarget> {
  const config = await postgresTargetConfig({ name: TARGET, dsn: dsnFor(database), maxConnections: 2 });
  const source: BackupSourceConfig = { name: 'dumps', target: TARGET, kind: 'dump-dir', path: dir, binDir, timeoutSeconds: 30 };
  const target = new PostgresTarget({ ...config, backups: [source] }, silentLogger);
  targets.push(target);
  await target.probe();
  return target;
}

function sourceOf(target: PostgresTarget): BackupSourceConfig {
  const source = target.config.backups[0];
  if (!source) throw new Error('test target without a source');
  return source;
}

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

async function manifestOf(path: string): Promise<DumpManifest> {
  const read = await readManifest(manifestPathFor(path));
  if (!read.ok) throw new Error(`manifest of ${path}: ${read.problem}`);
  return read.manifest;
}

function field(result: Json, key: string): Json | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) throw new Error(`result is not an object: ${JSON.stringify(result)}`);
  return result[key];
}

function stringField(result: Json, key: string): string {
  const value = field(result, key);
  if (typeof value !== 'string') throw new Error(`result.${key} is not a string: ${JSON.stringify(value)}`);
  return value;
}

async function pgRestoreList(path: string): Promise<string> {
  const { stdout } = await execFileAsync(join(harness().postgresBinDir, 'pg_restore'), ['--list', path]);
  return stdout;
}

/** A script standing in for pg_dump: `--version` answers `version`, anything else runs `body`. */
async function fakePgDump(version: string, body: string): Promise<string> {
  const dir = await dumpDirectory();
  const path = join(dir, 'pg_dump');
  await writeFile(path, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) ${version}"; exit 0; fi\n${body}\n`);
  await chmod(path, 0o755);
  return dir;
}

/** Processes of this user whose environment names the job: pg_dump carries PGAPPNAME=upkeep-job:<id>. */
async function processesOfJob(jobId: string): Promise<number[]> {
  const marker = `PGAPPNAME=upkeep-job:${jobId}\0`;
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const found = await Promise.all(
    pids.map(async (pid) => {
      const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
      return environ.includes(marker) ? [Number(pid)] : [];
    }),
  );
  return found.flat();
}

async function sessionsOfJob(jobId: string): Promise<{ wait_event_type: string | null }[]> {
  return queryOnce<{ wait_event_type: string | null }>(harness().primary.dsn, 'SELECT wait_event_type FROM pg_stat_activity WHERE application_name = $1', [
    `upkeep-job:${jobId}`,
  ]);
}

beforeAll(async () => {
  await queryOnce(harness().primary.dsn, `CREATE DATABASE ${database}`);
  await queryOnce(
    dsnFor(database),
    `CREATE TABLE items AS SELECT g AS id, md5(g::text) AS label FROM generate_series(1, 20000) g;
     CREATE TABLE locked_by_test (id int)`,
  );
});

afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()));
});

afterAll(async () => {
  await queryOnce(harness().primary.dsn, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await Promise.all(directories.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('backup', () => {
  it('writes a custom-format dump that pg_restore lists, with a manifest that matches it, and leaves nothing partial', async () => {
    const dir = await dumpDirectory();
    const target = await targetFor(dir);
    const run = await runActionDirectly(backup, target, {});

    expect(run.scope).toBe('backups:dumps');
    const file = stringField(run.result, 'file');
    expect(file).toMatch(new RegExp(`^${TARGET}-${database}-\\d{8}T\\d{6}Z\\.dump$`));
    expect(await filesIn(dir)).toEqual([file, `${file}.manifest.json`]);

    const path = join(dir, file);
    expect(await pgRestoreList(path)).toMatch(/TABLE DATA public items/);
    const manifest = await manifestOf(path);
    expect(manifest).toMatchObject({ file, target: TARGET, database, dumpFormat: 'custom', verifications: [] });
    expect(manifest.sha256).toBe(await sha256OfFile(path));
    expect(manifest.pgDumpVersion).toMatch(/^pg_dump \(PostgreSQL\) 15\./);
    expect(run.result).toMatchObject({ file, database, sizeBytes: manifest.sizeBytes, sha256: manifest.sha256 });
    expect(field(run.result, 'durationSeconds')).toBeGreaterThan(0);
    expect(run.progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['dumping', 'checksumming', 'writing manifest']));
    expect(run.progress.filter((p) => p.phase === 'checksumming').at(-1)).toMatchObject({ percent: 100, detail: { bytesRead: manifest.sizeBytes } });

    // The backups collector counts it as a backup, with nothing rejected.
    const reading = await readDumpDir(sourceOf(target), never);
    expect(reading.backups).toHaveLength(1);
    expect(reading.backups[0]?.sizeBytes).toBe(manifest.sizeBytes);
    expect([...reading.rejected.values()].every((count) => count === 0)).toBe(true);
  });

  it('dry-runs: names the file, the size estimate and the pg_dump command without writing anything or showing secrets', async () => {
    const dir = await dumpDirectory();
    const target = await targetFor(dir);
    const first = await runActionDirectly(backup, target, { database }, { dryRun: true });
    expect(first.result).toMatchObject({ dryRun: true, database, estimate: { basis: 'database_size' } });
    expect(stringField(first.result, 'file')).toMatch(/\.dump$/);
    expect(field(first.result, 'command')).toEqual([join(harness().postgresBinDir, 'pg_dump'), '--format=custom', '--no-password', '--lock-wait-timeout=5000']);
    expect(field(first.result, 'environment')).toMatchObject({ PGDATABASE: database, PGHOST: '127.0.0.1' });
    expect(await filesIn(dir)).toEqual([]);

    // After a real dump the estimate is that dump's size.
    const real = await runActionDirectly(backup, target, {});
    const second = await runActionDirectly(backup, target, {}, { dryRun: true });
    expect(second.result).toMatchObject({ estimate: { basis: 'previous_dump', bytes: field(real.result, 'sizeBytes'), previousDump: field(real.result, 'file') } });
    expect(await filesIn(dir)).toHaveLength(2);
  });

  it('rejects an unknown database with 404 before writing anything', async () => {
    const dir = await dumpDirectory();
    const target = await targetFor(dir);
    const rejection = await rejectionOf(runActionDirectly(backup, target, { database: 'no_such_db; DROP TABLE items' }), ActionRejection);
    expect(rejection).toMatchObject({ status: 404, code: 'unknown_database' });
    expect(await filesIn(dir)).toEqual([]);
  });

  it('rejects a target without a dump directory source', async () => {
    const config = await postgresTargetConfig({ name: TARGET, dsn: dsnFor(database), maxConnections: 1 });
    const target = new PostgresTarget(config, silentLogger);
    targets.push(target);
    const rejection = await rejectionOf(runActionDirectly(backup, target, {}), ActionRejection);
    expect(rejection).toMatchObject({ status: 422, code: 'no_dump_dir_source' });
  });

  it('refuses a pg_dump older than the server, and one that does not exist', async () => {
    const dir = await dumpDirectory();
    const old = await rejectionOf(runActionDirectly(backup, await targetFor(dir, await fakePgDump('14.11', 'exit 1')), {}), ActionRejection);
    expect(old).toMatchObject({ status: 422, code: 'pg_dump_too_old' });
    expect(old.message).toMatch(/pg_dump refuses to dump a newer server/);
    const missing = await rejectionOf(runActionDirectly(backup, await targetFor(dir, await dumpDirectory()), {}), ActionRejection);
    expect(missing).toMatchObject({ status: 422, code: 'pg_dump_not_found' });
    expect(await filesIn(dir)).toEqual([]);
  });

  it('refuses to start without room for the estimated dump', async () => {
    const dir = await dumpDirectory();
    // A previous dump of the database that claims a petabyte: the estimate for the next one.
    const previous = join(dir, `${TARGET}-${database}-20250101T000000Z.dump`);
    await writeFile(previous, 'PGDMP');
    const manifest = await writeDumpManifest(previous, {
      startedAt: new Date('2025-01-01T00:00:00Z'),
      finishedAt: new Date('2025-01-01T00:01:00Z'),
      target: TARGET,
      database,
      dumpFormat: 'custom',
      pgDumpVersion: 'pg_dump (PostgreSQL) 15.8',
      serverVersion: '15.8',
    });
    await writeManifest(manifestPathFor(previous), { ...manifest, sizeBytes: 2 ** 50 });
    const rejection = await rejectionOf(runActionDirectly(backup, await targetFor(dir), {}), ActionRejection);
    expect(rejection).toMatchObject({ status: 422, code: 'insufficient_disk' });
    expect(await filesIn(dir)).toEqual([`${TARGET}-${database}-20250101T000000Z.dump`, `${TARGET}-${database}-20250101T000000Z.dump.manifest.json`]);
  });

  it("fails with pg_dump's error when the database is dropped after prepare, leaving no partial file, dump or manifest", async () => {
    const dir = await dumpDirectory();
    const target = await targetFor(dir);
    const victim = `${database}_victim`;
    await queryOnce(harness().primary.dsn, `CREATE DATABASE ${victim}`);
    const params = backup.params.parse({ database: victim });
    const prepared = await backup.prepare({ target, params, dryRun: false, signal: never, log: silentLogger });
    await queryOnce(harness().primary.dsn, `DROP DATABASE ${victim} WITH (FORCE)`);
    const run = backup.run({ target, plan: prepared.plan, dryRun: false, jobId: randomUUID(), signal: never, log: silentLogger, progress: () => undefined });
    const error = await rejectionOf(run, Error);
    expect(error.message).toMatch(new RegExp(`pg_dump of database ${victim} failed: .*pg_dump exited with code 1: .*database "${victim}" does not exist`));
    expect(await filesIn(dir)).toEqual([]);
  });

  it('fails when pg_dump fails half-way, removing what it had written', async () => {
    const dir = await dumpDirectory();
    const binDir = await fakePgDump('15.8', 'printf PGDMP-half-an-archive; echo "pg_dump: error: connection lost" >&2; exit 1');
    const error = await rejectionOf(runActionDirectly(backup, await targetFor(dir, binDir), {}), Error);
    expect(error.message).toMatch(/exited with code 1: pg_dump: error: connection lost/);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('stops pg_dump and its session when cancelled mid-dump, and removes the partial file', async () => {
    const dir = await dumpDirectory();
    const target = await targetFor(dir);
    // A table locked exclusively holds pg_dump at its share lock: a dump that cannot finish on its own.
    const locker = new pg.Client({ connectionString: dsnFor(database), application_name: 'upkeep-tests' });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE locked_by_test IN ACCESS EXCLUSIVE MODE');
      const controller = new AbortController();
      const jobId = randomUUID();
      const phases: JobProgress[] = [];
      const run = runActionDirectly(backup, target, {}, { signal: controller.signal, jobId, onProgress: (p) => phases.push(p) });
      await eventually(async () => (await sessionsOfJob(jobId)).some((s) => s.wait_event_type === 'Lock'), "pg_dump's session waiting for the lock", 4000);
      expect(await processesOfJob(jobId)).toHaveLength(1);
      expect((await filesIn(dir)).filter((f) => f.endsWith('.dump.partial'))).toHaveLength(1);
      expect(phases.map((p) => p.phase)).toContain('dumping');

      controller.abort();
      const error = await rejectionOf(run, Error);
      expect(error.message).toMatch(/pg_dump was stopped: the job was cancelled or the exporter is shutting down/);
      expect(await filesIn(dir)).toEqual([]);
      await eventually(async () => (await processesOfJob(jobId)).length === 0, 'pg_dump to exit', 5000);
      // The backend notices its client is gone once it stops waiting for the lock.
      await locker.query('ROLLBACK');
      await eventually(async () => (await sessionsOfJob(jobId)).length === 0, "pg_dump's session to end", 5000);
    } finally {
      await locker.end();
    }
  });
});

describe('after an interrupted backup', () => {
  it('removes the partial file or manifest-less dump named in the job\'s progress, and never a completed dump', async () => {
    const dir = await dumpDirectory();
    const target = await targetFor(dir);
    const completed = stringField((await runActionDirectly(backup, target, {})).result, 'file');
    await writeFile(join(dir, 'bk-app-20250101T000000Z.dump.partial'), 'PGDMP');
    await writeFile(join(dir, 'bk-app-20250102T000000Z.dump'), 'PGDMP');

    expect(await removeInterruptedBackup(target, 'bk-app-20250101T000000Z.dump')).toEqual([join(dir, 'bk-app-20250101T000000Z.dump.partial')]);
    expect(await removeInterruptedBackup(target, 'bk-app-20250102T000000Z.dump')).toEqual([join(dir, 'bk-app-20250102T000000Z.dump')]);
    expect(await removeInterruptedBackup(target, completed)).toEqual([]);
    expect(await removeInterruptedBackup(target, '../elsewhere.dump')).toEqual([]);
    expect(await filesIn(dir)).toEqual([completed, `${completed}.manifest.json`]);
  });
});

describe('verify-backup', () => {
  async function backedUp(): Promise<{ dir: string; target: PostgresTarget; file: string; path: string }> {
    const dir = await dumpDirectory();
    const target = await targetFor(dir);
    const file = stringField((await runActionDirectly(backup, target, {})).result, 'file');
    return { dir, target, file, path: join(dir, file) };
  }

  it('passes a good dump, newest by default, and records the pass in its manifest', async () => {
    const { target, file, path } = await backedUp();
    const run = await runActionDirectly(verifyBackup, target, {});
    expect(run.scope).toBe('backups:dumps');
    expect(run.result).toMatchObject({ file, ok: true, method: 'sha256+pg_restore-list' });
    expect(field(run.result, 'archiveEntries')).toBeGreaterThan(2);
    expect(run.progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['checksumming', 'listing archive']));
    expect(run.progress.filter((p) => p.phase === 'checksumming').at(-1)?.percent).toBe(100);

    const manifest = await manifestOf(path);
    expect(manifest.verifications).toEqual([{ verifiedAt: field(run.result, 'verifiedAt'), ok: true, method: 'sha256+pg_restore-list' }]);
    const reading = await readDumpDir(sourceOf(target), never);
    expect(reading.backups[0]?.verifiedAt).toBeCloseTo(Date.parse(stringField(run.result, 'verifiedAt')) / 1000, 3);
  });

  it('catches a dump with flipped bytes: the job fails saying what did not match, and the manifest records the failure', async () => {
    const { target, file, path } = await backedUp();
    const bytes = await readFile(path);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await writeFile(path, bytes);

    const error = await rejectionOf(runActionDirectly(verifyBackup, target, { file }), Error);
    expect(error.message).toMatch(new RegExp(`^${file} failed verification: sha256 is [0-9a-f]{64}, the manifest records [0-9a-f]{64}`));
    const manifest = await manifestOf(path);
    expect(manifest.verifications).toHaveLength(1);
    expect(manifest.verifications[0]).toMatchObject({ ok: false, method: 'sha256+pg_restore-list' });
    expect(manifest.verifications[0]?.detail).toMatch(/^sha256 is /);
    // The collector stops counting it.
    const reading = await readDumpDir(sourceOf(target), never);
    expect(reading.backups).toEqual([]);
    expect(reading.rejected.get('verification_failed')).toBe(1);
  });

  it('catches a truncated dump by its size and by pg_restore', async () => {
    const { target, file, path } = await backedUp();
    await writeFile(path, (await readFile(path)).subarray(0, 40));
    const error = await rejectionOf(runActionDirectly(verifyBackup, target, { file }), Error);
    expect(error.message).toMatch(/size is 40 bytes, the manifest records \d+ .*; pg_restore --list failed: .*pg_restore exited with code 1/);
    expect((await manifestOf(path)).verifications[0]?.ok).toBe(false);
  });

  it('rejects file names with a path (422) and names that are no dump with a manifest (404), touching nothing', async () => {
    const { dir, target, file } = await backedUp();
    await writeFile(join(dir, 'by-hand.dump'), 'PGDMP');
    for (const bad of ['../etc/passwd', `sub/${file}`, `..${file}`, '..']) {
      const rejection = await rejectionOf(runActionDirectly(verifyBackup, target, { file: bad }), ActionRejection);
      expect(rejection, bad).toMatchObject({ status: 422, code: 'invalid_file_name' });
    }
    for (const unknown of ['nope.dump', 'by-hand.dump', `${file}.manifest.json`]) {
      const rejection = await rejectionOf(runActionDirectly(verifyBackup, target, { file: unknown }), ActionRejection);
      expect(rejection, unknown).toMatchObject({ status: 404, code: 'unknown_backup' });
    }
    expect((await manifestOf(join(dir, file))).verifications).toEqual([]);
  });

  it('says 404 when there is no dump to verify', async () => {
    const rejection = await rejectionOf(runActionDirectly(verifyBackup, await targetFor(await dumpDirectory()), {}), ActionRejection);
    expect(rejection).toMatchObject({ status: 404, code: 'no_backups' });
  });
});

describe('prune-backups', () => {
  const DAY_MS = 24 * 60 * 60 * 1000;

  /** A dump file with a manifest written the way the backup action writes it, finished `ageDays` ago. */
  async function dumpAged(dir: string, name: string, ageDays: number, options: { verified?: boolean; target?: string; db?: string } = {}): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `PGDMP ${name}`);
    const finishedAt = new Date(Date.now() - ageDays * DAY_MS);
    let manifest = await writeDumpManifest(path, {
      startedAt: new Date(finishedAt.getTime() - 60_000),
      finishedAt,
      target: options.target ?? TARGET,
      database: options.db ?? database,
      dumpFormat: 'custom',
      pgDumpVersion: 'pg_dump (PostgreSQL) 15.8',
      serverVersion: '15.8',
    });
    if (options.verified !== undefined) {
      manifest = withVerification(manifest, { verifiedAt: finishedAt.toISOString(), ok: options.verified, method: 'sha256+pg_restore-list' });
      await writeManifest(manifestPathFor(path), manifest);
    }
    return name;
  }

  /** Five dumps of the database 1…30 days old, the oldest the only verified one, plus files prune must leave alone. */
  async function populated(): Promise<{ dir: string; target: PostgresTarget; untouched: string[] }> {
    const dir = await dumpDirectory();
    await dumpAged(dir, 'd01.dump', 1);
    await dumpAged(dir, 'd02.dump', 2, { verified: false });
    await dumpAged(dir, 'd03.dump', 3);
    await dumpAged(dir, 'd10.dump', 10);
    await dumpAged(dir, 'd30.dump', 30, { verified: true });
    // Another database of the target: its own newest is kept whatever the count.
    await dumpAged(dir, 'other-db-40.dump', 40, { db: 'otherdb' });
    const untouched = [
      await dumpAged(dir, 'foreign-target-50.dump', 50, { target: 'someone-else' }),
      'foreign-target-50.dump.manifest.json',
      'copied-by-hand.dump',
      'in-progress.dump.partial',
    ];
    await writeFile(join(dir, 'copied-by-hand.dump'), 'PGDMP');
    await writeFile(join(dir, 'in-progress.dump.partial'), 'PGDMP');
    return { dir, target: await targetFor(dir), untouched };
  }

  const filesOf = (result: Json, key: string) => (field(result, key) as { file: string }[]).map((d) => d.file);

  it('deletes exactly what its dry run listed, keeping the newest, the newest verified and everything without a manifest', async () => {
    const { dir, target, untouched } = await populated();
    const before = await filesIn(dir);

    const dry = await runActionDirectly(pruneBackups, target, { keepLast: 2 }, { dryRun: true });
    expect(await filesIn(dir)).toEqual(before);
    expect(filesOf(dry.result, 'deleted')).toEqual(['d03.dump', 'd10.dump']);
    expect(dry.result).toMatchObject({ dryRun: true, kept: 4, ignored: { partial: 1, no_manifest: 1, invalid_manifest: 0, other_target: 1 } });

    const real = await runActionDirectly(pruneBackups, target, { keepLast: 2 });
    expect(real.scope).toBe('backups:dumps');
    expect(field(real.result, 'deleted')).toEqual(field(dry.result, 'deleted'));
    expect(field(real.result, 'freedBytes')).toBe(field(dry.result, 'freedBytes'));
    expect(field(real.result, 'freedBytes')).toBe('PGDMP d03.dump'.length + 'PGDMP d10.dump'.length);
    expect(await filesIn(dir)).toEqual(before.filter((f) => !f.startsWith('d03.dump') && !f.startsWith('d10.dump')));
    for (const file of untouched) expect(await filesIn(dir)).toContain(file);
    const keptDumps = field(real.result, 'keptDumps') as { file: string; reasons: string[] }[];
    expect(keptDumps).toEqual([
      { file: 'd01.dump', database, finishedAt: expect.any(String) as string, reasons: ['newest', 'keep_last'] },
      { file: 'd02.dump', database, finishedAt: expect.any(String) as string, reasons: ['keep_last'] },
      { file: 'd30.dump', database, finishedAt: expect.any(String) as string, reasons: ['newest_verified'] },
      { file: 'other-db-40.dump', database: 'otherdb', finishedAt: expect.any(String) as string, reasons: ['newest', 'keep_last'] },
    ]);

    // The collector's view: the deleted dumps are gone, not "missing".
    const reading = await readDumpDir(sourceOf(target), never);
    expect(reading.rejected.get('missing_dump')).toBe(0);
  });

  it('with keepLast and maxAgeDays deletes only what is outside both', async () => {
    const { dir, target } = await populated();
    const run = await runActionDirectly(pruneBackups, target, { keepLast: 1, maxAgeDays: 5 });
    expect(filesOf(run.result, 'deleted')).toEqual(['d10.dump']);
    expect((await filesIn(dir)).filter((f) => f.endsWith('.dump') && f.startsWith('d'))).toEqual(['d01.dump', 'd02.dump', 'd03.dump', 'd30.dump']);
  });

  it('with maxAgeDays alone keeps the newest dump even when every dump is older', async () => {
    const { target } = await populated();
    const run = await runActionDirectly(pruneBackups, target, { maxAgeDays: 0.5 }, { dryRun: true });
    expect(filesOf(run.result, 'deleted')).toEqual(['d02.dump', 'd03.dump', 'd10.dump']);
  });

  it('finishes a prune that was interrupted between a dump and its manifest', async () => {
    const { dir, target } = await populated();
    await rm(join(dir, 'd10.dump'));
    const run = await runActionDirectly(pruneBackups, target, { keepLast: 100 });
    expect(field(run.result, 'deleted')).toEqual([]);
    expect(field(run.result, 'orphanManifestsRemoved')).toEqual(['d10.dump.manifest.json']);
    expect(await filesIn(dir)).not.toContain('d10.dump.manifest.json');
    expect((await readDumpDir(sourceOf(target), never)).rejected.get('missing_dump')).toBe(0);
  });

  it('needs a rule, and keepLast of at least 1', async () => {
    const { dir, target } = await populated();
    const before = await filesIn(dir);
    const rejection = await rejectionOf(runActionDirectly(pruneBackups, target, {}), ActionRejection);
    expect(rejection).toMatchObject({ status: 422, code: 'no_retention_rule' });
    expect(pruneBackups.params.safeParse({ keepLast: 0 }).success).toBe(false);
    expect(pruneBackups.params.safeParse({ keepLast: 1.5 }).success).toBe(false);
    expect(pruneBackups.params.safeParse({ maxAgeDays: -1 }).success).toBe(false);
    expect(await filesIn(dir)).toEqual(before);
  });
});
