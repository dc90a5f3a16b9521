/**
 * Which mount holds a path, and whether it is read-only, from the kernel's
 * own table for this process (/proc/self/mountinfo): the mount namespace the
 * exporter really sees, with escaped mount points and both the per-mount and
 * the filesystem's own flags.
 *
 * Node's statfs has no flags field, and `systeminformation` reads the mount
 * table with a synchronous child process (`execSync('cat /proc/mounts')`),
 * which would block the event loop; so the table is read here, asynchronously.
 * Reading a procfs file never touches the mounted filesystems, so a hung NFS
 * server cannot make it hang.
 */
import { readFile } from 'node:fs/promises';
import { withTimeout } from '../timeout.js';

export interface MountEntry {
  /** `major:minor` of the filesystem, as st_dev of its files reads. */
  device: string;
  mountpoint: string;
  fstype: string;
  /** What is mounted: a block device, `server:/export`, `tmpfs`. */
  source: string;
  /**
   * Read-only as a mount (`mount -o ro`) or as a filesystem (ext4 remounts
   * itself read-only after an error with errors=remount-ro: only the
   * filesystem's own options say so then).
   */
  readonly: boolean;
}

/** mountinfo escapes space, tab, newline and backslash as three octal digits (`\040`). */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

const hasReadOnly = (options: string | undefined): boolean => (options ?? '').split(',').includes('ro');

/**
 * Parses mountinfo (proc(5)): `id parent major:minor root mountpoint options
 * [optional fields…] - fstype source super-options`. Lines that do not have
 * that shape are skipped rather than failing the whole table.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    const device = fields[2];
    const mountpoint = fields[4];
    const fstype = fields[separator + 1];
    if (separator < 0 || device === undefined || mountpoint === undefined || fstype === undefined) continue;
    entries.push({
      device,
      mountpoint: unescapeOctal(mountpoint),
      fstype,
      source: unescapeOctal(fields[separator + 2] ?? ''),
      readonly: hasReadOnly(fields[5]) || hasReadOnly(fields[separator + 3]),
    });
  }
  return entries;
}

function contains(mountpoint: string, path: string): boolean {
  return mountpoint === '/' || path === mountpoint || path.startsWith(`${mountpoint}/`);
}

/**
 * The mount holding `realPath` (symlinks already resolved): the longest
 * mount point that is a prefix of it, preferring mounts of the path's own
 * device (`major:minor` from stat) — a mount hidden under a later mount on a
 * parent directory is then not mistaken for the holder. When no entry has
 * that device (btrfs subvolumes report their own), the longest prefix alone
 * decides. Of equal mount points the last wins: it is the one on top.
 */
export function mountContaining(mounts: readonly MountEntry[], realPath: string, device?: string): MountEntry | undefined {
  const longest = (candidates: readonly MountEntry[]): MountEntry | undefined => {
    let best: MountEntry | undefined;
    for (const entry of candidates) {
      if (contains(entry.mountpoint, realPath) && (!best || entry.mountpoint.length >= best.mountpoint.length)) best = entry;
    }
    return best;
  };
  const sameDevice = device === undefined ? [] : mounts.filter((m) => m.device === device);
  return longest(sameDevice) ?? longest(mounts);
}

/** Linux's st_dev encoding (glibc's gnu_dev_major / gnu_dev_minor). */
export function deviceNumbers(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

const MOUNTINFO = '/proc/self/mountinfo';
/** The read itself is instant, but it queues for the same threadpool hung statfs calls may be holding. */
const READ_TIMEOUT_MS = 1000;

/**
 * The mount table, read at most once per `maxAgeMs` however many paths and
 * targets ask during a scrape; a remount (read-only after an error) shows on
 * the next read. Undefined where there is no mountinfo (not Linux) or it
 * did not come in time: the mount point is then unknown, the sizes right.
 */
export class MountTable {
  private last: { readAt: number; entries: Promise<MountEntry[] | undefined> } | undefined;

  constructor(
    private readonly read: () => Promise<string> = () => readFile(MOUNTINFO, 'utf8'),
    private readonly maxAgeMs = 1000,
  ) {}

  entries(): Promise<MountEntry[] | undefined> {
    const now = Date.now();
    if (!this.last || now - this.last.readAt > this.maxAgeMs) {
      this.last = {
        readAt: now,
        entries: withTimeout(this.read(), READ_TIMEOUT_MS).then(parseMountInfo, () => undefined),
      };
    }
    return this.last.entries;
  }
}
