import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstClosedDirectory } from './traversable.js';

const root = await mkdtemp(join(tmpdir(), 'upkeep-traversable-'));
afterAll(() => rm(root, { recursive: true, force: true }));

// A user that owns nothing here, like `postgres` facing a checkout in /root.
const stranger = { uid: 65534, gid: 65534 };

describe('whether another user can reach a directory', () => {
  it('finds the directory without search permission for others', async () => {
    const closed = join(root, 'home');
    const inside = join(closed, 'checkout', 'node_modules');
    await mkdir(inside, { recursive: true, mode: 0o755 });
    await chmod(root, 0o755);
    await chmod(closed, 0o700);
    expect(await firstClosedDirectory(inside, stranger)).toEqual({ dir: closed, mode: 0o700 });
  });

  it('passes a path open all the way down', async () => {
    const open = join(root, 'srv', 'upkeep');
    await mkdir(open, { recursive: true, mode: 0o755 });
    await chmod(root, 0o755);
    expect(await firstClosedDirectory(open, stranger)).toBeUndefined();
  });

  it('counts owner and group permission for the owner and the group', async () => {
    const own = join(root, 'own');
    await mkdir(own, { mode: 0o700 });
    await chmod(root, 0o755);
    const me = { uid: process.getuid!(), gid: process.getgid!() };
    expect(await firstClosedDirectory(own, me)).toBeUndefined();
  });
});
