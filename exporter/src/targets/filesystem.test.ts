/**
 * The per-path guard against hung mounts. A hung NFS mount cannot be made
 * without root mounts, so these tests hand the probe a statfs that does not
 * return until told to; everything else (realpath, stat, mountinfo) is real.
 * The real statfs against `df` is in test/integration/disk.test.ts.
 */
import { mkdir, mkdtemp, realpath, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilesystemProbe, InFlightGuard, reasonOf, type PathProbe, type StatfsFunction } from './filesystem.js';

const TIMEOUT_MS = 100;

let dir: string;

beforeEach(async () => {
  // Resolved: the fake statfs below sees resolved paths (macOS' /tmp is a link).
  dir = await realpath(await mkdtemp(join(tmpdir(), 'upkeep-filesystem-')));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A statfs that answers for real, except for the paths listed as hung: those wait until released. */
function controllableStatfs() {
  const hung = new Set<string>();
  const waiting: (() => void)[] = [];
  const calls: string[] = [];
  const fn: StatfsFunction = async (path) => {
    calls.push(path);
    if ([...hung].some((h) => path.startsWith(h))) await new Promise<void>((release) => waiting.push(release));
    return statfs(path, { bigint: true });
  };
  return {
    fn,
    calls,
    hang: (path: string) => hung.add(path),
    releaseAll: () => {
      hung.clear();
      for (const release of waiting.splice(0)) release();
    },
  };
}

const failure = (probe: PathProbe) => (probe.ok ? 'ok' : probe.reason);

describe('FilesystemProbe', () => {
  it('measures a real directory and finds the mount holding it', async () => {
    const probe = await new FilesystemProbe().probe(dir);
    expect(probe.ok).toBe(true);
    if (!probe.ok) return;
    expect(probe.usage.sizeBytes).toBeGreaterThan(0);
    expect(probe.usage.availBytes).toBeLessThanOrEqual(probe.usage.freeBytes);
    expect(probe.usage.freeBytes).toBeLessThanOrEqual(probe.usage.sizeBytes);
    expect(probe.mount?.mountpoint).toMatch(/^\//);
  });

  it('reports a missing path as not_found', async () => {
    const probe = await new FilesystemProbe().probe(join(dir, 'absent', 'deeper'));
    expect(failure(probe)).toBe('not_found');
    expect(probe.ok ? '' : probe.message).toContain('absent');
  });

  it('a hung statfs fails its own path with timeout, and is not started again while it hangs', async () => {
    const statfs = controllableStatfs();
    const probe = new FilesystemProbe({ statfs: statfs.fn, guard: new InFlightGuard(TIMEOUT_MS, 2) });
    const hungDir = join(dir, 'hung');
    const healthyDir = join(dir, 'healthy');
    await Promise.all([mkdir(hungDir), mkdir(healthyDir)]);
    statfs.hang(hungDir);
    try {
      const started = performance.now();
      expect(failure(await probe.probe(hungDir))).toBe('timeout');
      expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);

      // Later scrapes: answered at once, without a second call into the hung mount.
      const again = performance.now();
      expect(failure(await probe.probe(hungDir))).toBe('timeout');
      expect(failure(await probe.probe(hungDir))).toBe('timeout');
      expect(performance.now() - again).toBeLessThan(TIMEOUT_MS / 2);
      expect(statfs.calls.filter((p) => p === hungDir)).toHaveLength(1);

      // Other paths are measured meanwhile.
      expect(failure(await probe.probe(healthyDir))).toBe('ok');
    } finally {
      statfs.releaseAll();
    }
    // Once the old call has returned, the next probe calls again — and succeeds.
    await new Promise((r) => setTimeout(r, 10));
    expect(failure(await probe.probe(hungDir))).toBe('ok');
    expect(statfs.calls.filter((p) => p === hungDir)).toHaveLength(2);
  });

  it('callers of one path at one moment share one call', async () => {
    const statfs = controllableStatfs();
    const probe = new FilesystemProbe({ statfs: statfs.fn });
    const results = await Promise.all([probe.probe(dir), probe.probe(dir), probe.probe(dir)]);
    expect(results.map(failure)).toEqual(['ok', 'ok', 'ok']);
    expect(statfs.calls).toHaveLength(1);
  });

  it('once two calls hang, no further path is started, so the threadpool keeps threads for the rest of the process', async () => {
    const statfs = controllableStatfs();
    const probe = new FilesystemProbe({ statfs: statfs.fn, guard: new InFlightGuard(TIMEOUT_MS, 2) });
    const paths = ['a', 'b', 'c'].map((name) => join(dir, name));
    await Promise.all(paths.map((p) => mkdir(p)));
    statfs.hang(join(dir, 'a'));
    statfs.hang(join(dir, 'b'));
    try {
      expect((await Promise.all(paths.slice(0, 2).map((p) => probe.probe(p)))).map(failure)).toEqual(['timeout', 'timeout']);
      expect(probe.guard.hungCount).toBe(2);
      expect(failure(await probe.probe(join(dir, 'c')))).toBe('too_many_hung');
      expect(statfs.calls).not.toContain(join(dir, 'c'));
    } finally {
      statfs.releaseAll();
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(probe.guard.hungCount).toBe(0);
    expect(failure(await probe.probe(join(dir, 'c')))).toBe('ok');
  });
});

describe('InFlightGuard', () => {
  it('runs at most two calls at once even when they all start together, and holds a slot until the call really returns', async () => {
    const guard = new InFlightGuard(TIMEOUT_MS, 2);
    const releases: (() => void)[] = [];
    let started = 0;
    const hang = () => {
      started += 1;
      return new Promise<string>((resolve) => releases.push(() => resolve('done')));
    };
    // Five paths on one dead mount, asked for in the same instant (one scrape).
    const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((key) => guard.run(key, hang)));
    expect(started).toBe(2);
    expect(outcomes.map((o) => (o.status === 'rejected' ? reasonOf(o.reason) : 'ok'))).toEqual(['timeout', 'timeout', 'too_many_hung', 'too_many_hung', 'too_many_hung']);
    expect(guard.hungCount).toBe(2);
    // A new call still finds no slot while the two hang.
    await expect(guard.run('f', () => Promise.resolve('fast'))).rejects.toMatchObject({ reason: 'too_many_hung' });
    for (const release of releases.splice(0)) release();
    await new Promise((r) => setTimeout(r, 10));
    expect(await guard.run('f', () => Promise.resolve('fast'))).toBe('fast');
  });
});

describe('reasonOf', () => {
  it('maps error codes to the bounded reasons of the reason label', () => {
    const withCode = (code: string) => Object.assign(new Error(code), { code });
    expect(reasonOf(withCode('ENOENT'))).toBe('not_found');
    expect(reasonOf(withCode('ENOTDIR'))).toBe('not_found');
    expect(reasonOf(withCode('EACCES'))).toBe('permission_denied');
    expect(reasonOf(withCode('ESTALE'))).toBe('io_error');
    expect(reasonOf(withCode('ELOOP'))).toBe('error');
    expect(reasonOf('a string')).toBe('error');
  });
});
