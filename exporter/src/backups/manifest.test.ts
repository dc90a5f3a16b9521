/**
 * The dump manifest: what the writer produces the reader accepts, the
 * checksum is the file's, and a broken manifest is a readable problem.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MANIFEST_FORMAT,
  latestVerification,
  manifestPathFor,
  parseManifest,
  readManifest,
  withVerification,
  writeDumpManifest,
  writeManifest,
  type DumpFacts,
  type DumpManifest,
} from './manifest.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upkeep-manifest-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const facts: DumpFacts = {
  startedAt: new Date('2025-01-02T02:00:00Z'),
  finishedAt: new Date('2025-01-02T02:03:12.5Z'),
  target: 'main',
  database: 'shop',
  dumpFormat: 'custom',
  pgDumpVersion: 'pg_dump (PostgreSQL) 15.8',
  serverVersion: '15.8',
};

function valid(overrides: Partial<DumpManifest> = {}): Record<string, unknown> {
  return {
    format: MANIFEST_FORMAT,
    formatVersion: 1,
    file: 'shop.dump',
    sizeBytes: 10,
    sha256: 'a'.repeat(64),
    dumpFormat: 'custom',
    startedAt: '2025-01-02T02:00:00Z',
    finishedAt: '2025-01-02T02:03:12Z',
    target: 'main',
    database: 'shop',
    pgDumpVersion: 'pg_dump (PostgreSQL) 15.8',
    serverVersion: '15.8',
    ...overrides,
  };
}

const problemOf = (json: unknown) => {
  const result = parseManifest(JSON.stringify(json));
  return result.ok ? undefined : result.problem;
};

describe('dump manifest', () => {
  it('is written beside the dump with the file\'s size and streamed sha256, and read back unchanged', async () => {
    // Larger than one read chunk, so the hash really is built from several.
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const dump = join(dir, 'shop-20250102T020000Z.dump');
    await writeFile(dump, content);
    const written = await writeDumpManifest(dump, facts);
    expect(written).toMatchObject({
      file: 'shop-20250102T020000Z.dump',
      sizeBytes: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      startedAt: '2025-01-02T02:00:00.000Z',
      finishedAt: '2025-01-02T02:03:12.500Z',
      verifications: [],
    });
    expect(await readManifest(manifestPathFor(dump))).toEqual({ ok: true, manifest: written });
    // Written through a temporary name that is gone afterwards.
    expect((await readdir(dir)).sort()).toEqual(['shop-20250102T020000Z.dump', 'shop-20250102T020000Z.dump.manifest.json']);
  });

  it('keeps verification records, and the latest one is the one that happened last', async () => {
    const path = join(dir, 'shop.dump.manifest.json');
    let manifest = parseManifest(JSON.stringify(valid())) as { ok: true; manifest: DumpManifest };
    let m = withVerification(manifest.manifest, { verifiedAt: '2025-01-03T00:00:00Z', ok: false, method: 'sha256', detail: 'checksum differs' });
    m = withVerification(m, { verifiedAt: '2025-01-02T12:00:00Z', ok: true, method: 'sha256' });
    await writeManifest(path, m);
    manifest = (await readManifest(path)) as { ok: true; manifest: DumpManifest };
    expect(manifest.manifest.verifications).toHaveLength(2);
    expect(latestVerification(manifest.manifest)).toMatchObject({ ok: false, detail: 'checksum differs' });
  });

  it('says what is wrong with a broken manifest instead of throwing', async () => {
    expect(parseManifest('{"format": ').ok).toBe(false);
    expect(problemOf({ ...valid(), formatVersion: 2 })).toBe('formatVersion is 2; this exporter reads version 1');
    expect(problemOf({ ...valid(), format: 'something-else' })).toBe('format must be "upkeep.dump-manifest"');
    expect(problemOf(valid({ sha256: 'ABC' }))).toBe('sha256 must be 64 lowercase hex digits');
    expect(problemOf(valid({ file: '../etc/passwd' }))).toBe('file must be a file name in the same directory, without a path');
    expect(problemOf(valid({ finishedAt: '2025-01-01T00:00:00Z' }))).toBe('finishedAt is before startedAt');
    expect(problemOf(valid({ startedAt: 'yesterday' }))).toBe('startedAt must be an ISO 8601 timestamp such as 2025-01-02T03:04:05Z');
    expect(problemOf([])).toMatch(/^manifest /);
    expect(await readManifest(join(dir, 'absent.manifest.json'))).toEqual({ ok: false, problem: 'cannot be read: ENOENT' });
    const huge = join(dir, 'huge.manifest.json');
    await writeFile(huge, ' '.repeat(300 * 1024));
    expect(await readManifest(huge)).toEqual({ ok: false, problem: '307200 bytes, more than a manifest can be (262144)' });
  });

  it('ignores fields it does not know, so later versions can add some', () => {
    expect(parseManifest(JSON.stringify({ ...valid(), compression: 'zstd' })).ok).toBe(true);
  });
});
