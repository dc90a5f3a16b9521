import { describe, expect, it } from 'vitest';
import { deviceNumbers, mountContaining, MountTable, parseMountInfo } from './mountTable.js';

// Lines in the kernel's format (proc(5)), with optional fields, escapes and read-only flags.
const MOUNTINFO = [
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard',
  '40 27 254:16 / /var/lib/postgresql rw,noatime shared:20 master:3 - xfs /dev/vdb rw,attr2',
  '41 40 254:32 / /var/lib/postgresql/wal rw,noatime - xfs /dev/vdc rw',
  '42 27 0:50 / /mnt/backup\\040disk ro,nosuid - nfs4 nas:/export/pg rw,vers=4.2',
  '43 27 254:48 / /srv/broken rw,relatime - ext4 /dev/vdd ro,errors=remount-ro',
  '44 27 254:64 / /var/lib/postgresql rw - ext4 /dev/vde rw',
  'garbage line',
  '',
].join('\n');

describe('parseMountInfo', () => {
  const mounts = parseMountInfo(MOUNTINFO);

  it('reads mount point, device, type and source of every well-formed line, skipping the rest', () => {
    expect(mounts.map((m) => m.mountpoint)).toEqual(['/', '/var/lib/postgresql', '/var/lib/postgresql/wal', '/mnt/backup disk', '/srv/broken', '/var/lib/postgresql']);
    expect(mounts[1]).toEqual({ device: '254:16', mountpoint: '/var/lib/postgresql', fstype: 'xfs', source: '/dev/vdb', readonly: false });
    expect(mounts[3]?.source).toBe('nas:/export/pg');
  });

  it('calls a mount read-only when the mount or the filesystem itself is (remounted after an error)', () => {
    expect(mounts.map((m) => m.readonly)).toEqual([false, false, false, true, true, false]);
  });
});

describe('mountContaining', () => {
  const mounts = parseMountInfo(MOUNTINFO);
  const holder = (path: string, device?: string) => mountContaining(mounts, path, device)?.mountpoint;

  it('picks the longest mount point that is a whole-component prefix of the path', () => {
    expect(holder('/var/lib/postgresql/wal/000000010000000000000001')).toBe('/var/lib/postgresql/wal');
    expect(holder('/var/lib/postgresql/walnut')).toBe('/var/lib/postgresql');
    expect(holder('/mnt/backup disk/nightly')).toBe('/mnt/backup disk');
    expect(holder('/home/user')).toBe('/');
    expect(holder('/')).toBe('/');
  });

  it('of two mounts on one mount point, takes the later one, which is on top', () => {
    expect(mountContaining(mounts, '/var/lib/postgresql/16/main')?.source).toBe('/dev/vde');
  });

  it("prefers mounts of the path's own device, and falls back to the prefix when none has it", () => {
    // /var/lib/postgresql/wal is hidden under the later mount on its parent: a file there is on 254:64.
    expect(mountContaining(mounts, '/var/lib/postgresql/wal/x', '254:64')?.source).toBe('/dev/vde');
    expect(mountContaining(mounts, '/var/lib/postgresql/wal/x', '0:99')?.source).toBe('/dev/vdc');
  });

  it('finds nothing in an empty table', () => {
    expect(mountContaining([], '/x')).toBeUndefined();
  });
});

describe('deviceNumbers', () => {
  it("splits st_dev into major and minor the way glibc's makedev composes them", () => {
    expect(deviceNumbers(0xfe00n)).toBe('254:0');
    expect(deviceNumbers(0x801n)).toBe('8:1');
    // major 259, minor 1048575 (both beyond the old 8-bit fields)
    const major = 259n;
    const minor = 1048575n;
    const dev = ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
    expect(deviceNumbers(dev)).toBe('259:1048575');
  });
});

describe('MountTable', () => {
  it('reads the table once for the callers of one moment, and again when it is older than its maximum age', async () => {
    let reads = 0;
    const table = new MountTable(() => {
      reads += 1;
      return Promise.resolve(MOUNTINFO);
    }, 50);
    const [a, b] = await Promise.all([table.entries(), table.entries()]);
    expect(a).toHaveLength(6);
    expect(b).toBe(a);
    expect(reads).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    await table.entries();
    expect(reads).toBe(2);
  });

  it('is undefined where there is no mountinfo to read', async () => {
    const table = new MountTable(() => Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' })));
    expect(await table.entries()).toBeUndefined();
  });

  it('reads this machine\'s table: "/" is always in it', async () => {
    const entries = await new MountTable().entries();
    expect(entries?.some((m) => m.mountpoint === '/')).toBe(true);
  });
});
