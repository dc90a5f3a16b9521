/**
 * The dump-directory walk with small stand-in dump files: which files count
 * as backups, which are rejected and why, and the walk's bounds. The same
 * walk over real pg_dump output is in test/integration/backups.test.ts.
 */
import { appendFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupSourceConfig } from '../config/types.js';
import { readDumpDir } from './dumpDir.js';
import { latestByKind, lastVerifiedAt } from './latestBackups.js';
import {
  describeDump,
  manifestPathFor,
  readManifest,
  withVerification,
  writeDumpManifest,
  writeManifest,
  type DumpFacts,
  type DumpManifest,
} from './manifest.js';
import { BackupSourceError } from './sourceReading.js';
import { rejectionOf } from '../../../test/harness/rejection.js';

let dir: string;
const never = new AbortController().signal;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upkeep-dumpdir-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const source = (overrides: Partial<BackupSourceConfig> = {}): BackupSourceConfig => ({
  name: 'nightly',
  target: 'main',
  kind: 'dump-dir',
  path: dir,
  timeoutSeconds: 30,
  ...overrides,
});

function factsAt(finishedAt: string, seconds = 90): DumpFacts {
  const finished = new Date(finishedAt);
  return {
    startedAt: new Date(finished.getTime() - seconds * 1000),
    finishedAt: finished,
    target: 'main',
    database: 'shop',
    dumpFormat: 'custom',
    pgDumpVersion: 'pg_dump (PostgreSQL) 15.8',
    serverVersion: '15.8',
  };
}

async function dumpWithManifest(path: string, finishedAt: string, content = 'PGDMP stand-in'): Promise<void> {
  await writeFile(path, content);
  await writeDumpManifest(path, factsAt(finishedAt));
}

const failureOf = (work: Promise<unknown>) => rejectionOf(work, BackupSourceError);

describe('dump directory', () => {
  it('counts dumps with a valid manifest, dated by the manifest and not by the file\'s mtime', async () => {
    await dumpWithManifest(join(dir, 'shop-1.dump'), '2025-01-01T02:01:30Z');
    await dumpWithManifest(join(dir, 'shop-2.dump'), '2025-01-02T02:01:30Z', 'a longer stand-in dump');
    // Touched later (a copy, an rsync): must not make the older dump look newer.
    await utimes(join(dir, 'shop-1.dump'), new Date(), new Date());
    await mkdir(join(dir, 'other-db'));
    await dumpWithManifest(join(dir, 'other-db', 'billing.dump'), '2024-12-31T02:00:00Z');

    const reading = await readDumpDir(source(), never);
    expect(reading.backups).toHaveLength(3);
    expect(latestByKind(reading).get('dump')).toEqual({
      type: 'dump',
      finishedAt: Date.parse('2025-01-02T02:01:30Z') / 1000,
      startedAt: Date.parse('2025-01-02T02:00:00Z') / 1000,
      sizeBytes: 'a longer stand-in dump'.length,
      verifiedAt: undefined,
    });
    expect([...reading.rejected.values()].every((n) => n === 0)).toBe(true);
    expect(lastVerifiedAt(reading.backups)).toBeUndefined();
  });

  it('does not count what is not a finished, intact, verified-if-checked dump, and says why', async () => {
    await dumpWithManifest(join(dir, 'good.dump'), '2025-01-02T02:00:00Z');
    await writeFile(join(dir, 'copied-by-hand.dump'), 'PGDMP no manifest');
    await writeFile(join(dir, 'tonight.dump.partial'), 'PGDMP half');
    await writeFile(join(dir, 'broken.dump'), 'PGDMP');
    await writeFile(manifestPathFor(join(dir, 'broken.dump')), '{"format": "upkeep.dump-manifest", ');
    await dumpWithManifest(join(dir, 'pruned.dump'), '2025-01-01T02:00:00Z');
    await rm(join(dir, 'pruned.dump'));
    await dumpWithManifest(join(dir, 'grew.dump'), '2025-01-01T02:00:00Z');
    await appendFile(join(dir, 'grew.dump'), 'more bytes than recorded');
    const elsewhere = join(dir, 'elsewhere.dump');
    await writeFile(elsewhere, 'PGDMP stand-in');
    await writeManifest(manifestPathFor(elsewhere), { ...(await describeDump(elsewhere, factsAt('2025-01-01T02:00:00Z'))), file: 'renamed.dump' });
    const corrupt = join(dir, 'corrupt.dump');
    await dumpWithManifest(corrupt, '2025-01-03T02:00:00Z');
    await writeManifest(
      manifestPathFor(corrupt),
      withVerification(await manifestOf('corrupt.dump'), { verifiedAt: '2025-01-03T03:00:00Z', ok: false, method: 'sha256', detail: 'checksum differs' }),
    );
    await writeFile(join(dir, '.nfs000000001'), 'hidden');

    const reading = await readDumpDir(source(), never);
    expect(reading.backups).toHaveLength(1);
    expect(Object.fromEntries(reading.rejected)).toEqual({
      no_manifest: 1,
      partial: 1,
      invalid_manifest: 2,
      missing_dump: 1,
      size_mismatch: 1,
      verification_failed: 1,
    });
    // Seven problems, five examples for the log: the counts carry the rest.
    expect(reading.problems).toHaveLength(5);
    // The corrupt dump is newer, but a failed verification means it is not a backup to rely on.
    expect(latestByKind(reading).get('dump')?.finishedAt).toBe(Date.parse('2025-01-02T02:00:00Z') / 1000);
  });

  it('explains a manifest that does not belong to the file it sits beside', async () => {
    const elsewhere = join(dir, 'elsewhere.dump');
    await writeFile(elsewhere, 'PGDMP stand-in');
    await writeManifest(manifestPathFor(elsewhere), { ...(await describeDump(elsewhere, factsAt('2025-01-01T02:00:00Z'))), file: 'renamed.dump' });
    const reading = await readDumpDir(source(), never);
    expect(reading.problems).toEqual([`${manifestPathFor(elsewhere)}: names file "renamed.dump" but sits beside elsewhere.dump`]);
  });

  it('takes the last verification time from the manifests', async () => {
    const path = join(dir, 'shop.dump');
    await dumpWithManifest(path, '2025-01-02T02:00:00Z');
    await writeManifest(manifestPathFor(path), withVerification(await manifestOf('shop.dump'), { verifiedAt: '2025-01-02T04:00:00Z', ok: true }));
    const reading = await readDumpDir(source(), never);
    expect(lastVerifiedAt(reading.backups)).toBe(Date.parse('2025-01-02T04:00:00Z') / 1000);
  });

  it('walks two levels below the directory and no deeper', async () => {
    await mkdir(join(dir, 'a', 'b', 'c'), { recursive: true });
    await dumpWithManifest(join(dir, 'a', 'b', 'two-down.dump'), '2025-01-02T02:00:00Z');
    await dumpWithManifest(join(dir, 'a', 'b', 'c', 'three-down.dump'), '2025-01-02T02:00:00Z');
    expect((await readDumpDir(source(), never)).backups).toHaveLength(1);
  });

  it('reports a directory that cannot be listed', async () => {
    const error = await failureOf(readDumpDir(source({ path: join(dir, 'not-mounted') }), never));
    expect(error.reason).toBe('unreadable');
    expect(error.message).toBe(`cannot list ${join(dir, 'not-mounted')}: ENOENT`);
  });

  it('gives up on a walk that exceeds the timeout, and starts no second walk while it is still running', async () => {
    await Promise.all(Array.from({ length: 1500 }, (_, i) => writeFile(join(dir, `orphan-${i}.dump`), '')));
    const slow = source({ timeoutSeconds: 0.001 });
    const first = await failureOf(readDumpDir(slow, never));
    expect(first).toMatchObject({ reason: 'timeout', message: `walking ${dir} took longer than 0.001 s` });
    const second = await failureOf(readDumpDir(slow, never));
    expect(second).toMatchObject({ reason: 'timeout', message: `the previous walk of ${dir} has still not returned; not starting another` });
    // Once the first walk has returned, walks start again.
    let reading: Awaited<ReturnType<typeof readDumpDir>> | undefined;
    const deadline = Date.now() + 5000;
    while (!reading && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      reading = await readDumpDir(source(), never).catch(() => undefined);
    }
    expect(reading?.rejected.get('no_manifest')).toBe(1500);
  });

  it('stops walking when the collector run is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await failureOf(readDumpDir(source(), controller.signal))).reason).toBe('aborted');
  });
});

async function manifestOf(file: string): Promise<DumpManifest> {
  const result = await readManifest(manifestPathFor(join(dir, file)));
  if (!result.ok) throw new Error(result.problem);
  return result.manifest;
}
