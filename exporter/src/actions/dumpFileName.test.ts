/** Backup file names: readable, sortable, and one harmless file whatever the database is called. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpFileName, freeDumpPath } from './dumpFileName.js';

const AT = new Date('2025-01-02T03:04:05.678Z');

describe('dumpFileName', () => {
  it('is <target>-<database>-<UTC time>.dump', () => {
    expect(dumpFileName('main', 'app_db', AT)).toBe('main-app_db-20250102T030405Z.dump');
  });

  it('keeps a hostile database name inside the directory and visible', () => {
    expect(dumpFileName('main', '../../etc/passwd', AT)).toBe('main-_._.._etc_passwd-20250102T030405Z.dump');
    expect(dumpFileName('main', 'a b/ü;$(rm)', AT)).toBe('main-a_b_____rm_-20250102T030405Z.dump');
    expect(dumpFileName('.hidden', 'db', AT)).toMatch(/^_hidden-db-/);
    expect(dumpFileName('main', 'x'.repeat(200), AT)).toHaveLength('main-'.length + 63 + '-20250102T030405Z.dump'.length);
  });

  it('takes the next free name when one is in use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upkeep-names-'));
    try {
      await writeFile(join(dir, 'main-app-20250102T030405Z.dump.partial'), '');
      expect(basename(await freeDumpPath(dir, 'main', 'app', AT))).toBe('main-app-20250102T030405Z-2.dump');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
