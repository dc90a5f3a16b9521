/**
 * Expanding configured certificate paths over a real directory tree: named
 * files, directories, globs in the last and in middle segments, hidden
 * entries, and the bounds.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandCertificatePaths, segmentMatcher, type ExpandOptions } from './certificatePaths.js';

const OPTIONS: ExpandOptions = { maxFiles: 100, operationTimeoutMs: 2000 };

let root: string;

/** root/
 *   certs/  a.pem  b.crt  c.CER  d.key  notes.txt  .hidden.pem  sub/ (e.pem)  link.pem -> a.pem  dangling.pem -> nowhere
 *   live/   one.test/ (fullchain.pem, privkey.pem)  two.test/ (fullchain.pem)  ..data/ (fullchain.pem)  file-not-dir
 *   empty/
 */
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'upkeep-cert-paths-'));
  const certs = join(root, 'certs');
  await mkdir(join(certs, 'sub'), { recursive: true });
  for (const name of ['a.pem', 'b.crt', 'c.CER', 'd.key', 'notes.txt', '.hidden.pem', 'sub/e.pem']) await writeFile(join(certs, name), name);
  await symlink('a.pem', join(certs, 'link.pem'));
  await symlink(join(root, 'nowhere.pem'), join(certs, 'dangling.pem'));
  for (const name of ['one.test', 'two.test', '..data']) await mkdir(join(root, 'live', name), { recursive: true });
  for (const file of ['one.test/fullchain.pem', 'one.test/privkey.pem', 'two.test/fullchain.pem', '..data/fullchain.pem']) await writeFile(join(root, 'live', file), file);
  await writeFile(join(root, 'live', 'file-not-dir'), '');
  await mkdir(join(root, 'empty'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const at = (...parts: string[]) => join(root, ...parts);

describe('glob segments', () => {
  it.each([
    ['*.pem', 'a.pem', true],
    ['*.pem', 'a.pem.bak', false],
    ['?.pem', 'ab.pem', false],
    ['?.pem', 'a.pem', true],
    ['cert-*', 'cert-2024.crt', true],
    ['*', '.hidden', false],
    ['.*', '.hidden', true],
    ['a+b(1).pem', 'a+b(1).pem', true],
    ['[ab].pem', 'a.pem', false],
    ['[ab].pem', '[ab].pem', true],
  ])('%s against %s: %s', (segment, name, expected) => {
    expect(segmentMatcher(segment)(name)).toBe(expected);
  });
});

describe('expanding paths', () => {
  it('a named file is taken as it is, whatever its name, even if it cannot be read', async () => {
    const result = await expandCertificatePaths([at('certs', 'notes.txt'), at('certs', 'dangling.pem'), at('certs', 'missing.pem')], OPTIONS);
    expect(result).toEqual({
      files: [
        { path: at('certs', 'notes.txt'), origin: 'named' },
        { path: at('certs', 'dangling.pem'), origin: 'named' },
        { path: at('certs', 'missing.pem'), origin: 'named' },
      ],
      problems: [],
    });
  });

  it('a directory stands for its *.pem, *.crt and *.cer files, not hidden, not recursive', async () => {
    const result = await expandCertificatePaths([at('certs')], OPTIONS);
    expect(result.files).toEqual(['a.pem', 'b.crt', 'c.CER', 'dangling.pem', 'link.pem'].map((name) => ({ path: at('certs', name), origin: 'directory' })));
    expect(result.problems).toEqual([]);
  });

  it('a glob in the last segment', async () => {
    const result = await expandCertificatePaths([at('certs', '*.pem'), at('certs', '?.crt')], OPTIONS);
    expect(result.files).toEqual(['a.pem', 'dangling.pem', 'link.pem', 'b.crt'].map((name) => ({ path: at('certs', name), origin: 'glob' })));
  });

  it('a glob in a middle segment with a literal tail; hidden directories (..data) are not matched', async () => {
    const result = await expandCertificatePaths([at('live', '*', 'fullchain.pem')], OPTIONS);
    expect(result).toEqual({
      files: [
        { path: at('live', 'one.test', 'fullchain.pem'), origin: 'glob' },
        { path: at('live', 'two.test', 'fullchain.pem'), origin: 'glob' },
      ],
      problems: [],
    });
  });

  it('a glob matching directories takes their certificate files', async () => {
    const result = await expandCertificatePaths([at('live', '*.test')], OPTIONS);
    expect(result.files.map((f) => f.path)).toEqual([at('live', 'one.test', 'fullchain.pem'), at('live', 'one.test', 'privkey.pem'), at('live', 'two.test', 'fullchain.pem')]);
    expect(result.files.every((f) => f.origin === 'directory')).toBe(true);
  });

  it('the same file through two entries is read once', async () => {
    const result = await expandCertificatePaths([at('certs', 'a.pem'), at('certs', '*.pem')], OPTIONS);
    expect(result.files.filter((f) => f.path === at('certs', 'a.pem'))).toEqual([{ path: at('certs', 'a.pem'), origin: 'named' }]);
    expect(result.problems).toEqual([]);
  });

  it('a glob that matches nothing, an empty directory and a missing directory are problems', async () => {
    const result = await expandCertificatePaths([at('certs', '*.p12'), at('empty'), at('no-such-dir', '*.pem')], OPTIONS);
    expect(result.files).toEqual([]);
    expect(result.problems).toEqual([
      { path: at('certs', '*.p12'), reason: 'no_match', message: `no file matches ${at('certs', '*.p12')}` },
      { path: at('empty'), reason: 'no_match', message: `${at('empty')} is a directory without *.pem, *.crt or *.cer files` },
      { path: at('no-such-dir', '*.pem'), reason: 'no_match', message: `no file matches ${at('no-such-dir', '*.pem')}` },
    ]);
  });

  it('relative entries are relative to the working directory', async () => {
    const result = await expandCertificatePaths(['certs/a.pem'], OPTIONS);
    expect(result.files).toEqual([{ path: join(process.cwd(), 'certs', 'a.pem'), origin: 'named' }]);
  });

  it('stops at maxFiles and says so once', async () => {
    const result = await expandCertificatePaths([at('certs', '*'), at('live', '*.test')], { ...OPTIONS, maxFiles: 3 });
    expect(result.files.map((f) => f.path)).toEqual([at('certs', 'a.pem'), at('certs', 'b.crt'), at('certs', 'c.CER')]);
    expect(result.problems).toEqual([
      {
        path: at('certs', '*'),
        reason: 'too_many_files',
        message: `more than 3 certificate files: the rest of ${at('certs', '*')} and any later paths are not read`,
      },
    ]);
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('out of time'));
    await expect(expandCertificatePaths([at('certs')], { ...OPTIONS, signal: controller.signal })).rejects.toThrow('out of time');
  });
});
