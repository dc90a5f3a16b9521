/** Whether another user can reach a path: it needs search (x) permission on every directory above it. */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { UserIds } from './systemUser.js';

/** The first directory on the way to `path` (itself included) that `user` cannot enter, if any. */
export async function firstClosedDirectory(path: string, user: UserIds | undefined): Promise<{ dir: string; mode: number } | undefined> {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const { mode, uid, gid } = await stat(dir);
    const open = (mode & 0o001) !== 0 || (user?.uid === uid && (mode & 0o100) !== 0) || (user?.gid === gid && (mode & 0o010) !== 0);
    if (!open) return { dir, mode: mode & 0o777 };
    if (dirname(dir) === dir) return undefined;
  }
}
