/**
 * The disk-headroom check actions make before they write: a backup needs
 * room for the dump, a REINDEX CONCURRENTLY room for a second copy of the
 * index. Running out of disk half-way is worse than not starting: a full
 * data filesystem stops the whole server.
 */
import { filesystemProbe } from '../targets/filesystem.js';
import { ActionRejection, type Json } from './types.js';

export interface Headroom {
  path: string;
  neededBytes: number;
  availableBytes: number;
}

/**
 * Checks that the filesystem holding `path` has at least `neededBytes`
 * available to unprivileged writers; rejects the job (422) if not, or if the
 * path cannot be examined. `what` says what the room is for, in the error.
 */
export async function requireHeadroom(path: string, neededBytes: number, what: string): Promise<Headroom> {
  const probe = await filesystemProbe.probe(path);
  if (!probe.ok) {
    throw new ActionRejection(422, 'disk_unknown', `cannot check the free space at ${path} (${probe.reason}: ${probe.message}); refusing to start ${what}`);
  }
  const availableBytes = probe.usage.availBytes;
  if (availableBytes < neededBytes) {
    throw new ActionRejection(
      422,
      'insufficient_disk',
      `${path} has ${formatBytes(availableBytes)} available but ${what} needs about ${formatBytes(neededBytes)}; free some space first`,
      { path, neededBytes, availableBytes } satisfies Record<string, Json>,
    );
  }
  return { path, neededBytes, availableBytes };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
