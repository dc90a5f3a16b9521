/**
 * Disk families shared by the `disk` collector (configured paths) and
 * `pg_disk` (a PostgreSQL server's data directory, WAL and dump
 * directories), and how one path's probe turns into series and log lines.
 *
 * Each path is labelled with the path as configured or found (`path`), the
 * mount point that holds it (`mountpoint`, after resolving symlinks: pg_wal
 * is often a link to another disk) and why it is watched (`role`). The
 * values are node_exporter's (statfs blocks × bsize), so alert rules written
 * for node_filesystem_* carry over.
 */
import type { Emit } from '../collectors/types.js';
import type { Logger } from '../log.js';
import type { PathProbe } from '../targets/filesystem.js';
import { TroubleLog } from '../troubleLog.js';
import { gauge } from './family.js';

export type DiskRole = 'configured' | 'data' | 'wal' | 'backup';

const PATH_LABELS = ['target', 'path', 'mountpoint', 'role'] as const;
const PROBE_LABELS = ['target', 'path', 'role'] as const;

export const diskSize = gauge('upkeep_disk_size_bytes', 'Size of the filesystem holding the path, in bytes (statfs blocks × block size).', PATH_LABELS);

export const diskFree = gauge('upkeep_disk_free_bytes', 'Free space of the filesystem holding the path, in bytes, including the blocks reserved for root.', PATH_LABELS);

export const diskAvail = gauge(
  'upkeep_disk_avail_bytes',
  'Space of the filesystem holding the path that unprivileged users (the PostgreSQL server, pg_dump) can still write, in bytes: free minus the blocks reserved for root.',
  PATH_LABELS,
);

export const diskFiles = gauge('upkeep_disk_files', 'Inodes of the filesystem holding the path (0 on filesystems without a fixed inode count).', PATH_LABELS);

export const diskFilesFree = gauge('upkeep_disk_files_free', 'Free inodes of the filesystem holding the path; every new file (a WAL segment, a dump) needs one.', PATH_LABELS);

export const diskReadonly = gauge(
  'upkeep_disk_readonly',
  'Whether the filesystem holding the path is mounted read-only or was remounted read-only after an error (1) or is writable (0); absent where the mount table cannot be read.',
  PATH_LABELS,
);

export const diskProbeSuccess = gauge(
  'upkeep_disk_probe_success',
  'Whether the path could be measured on this scrape (1) or not (0: see upkeep_disk_probe_error_info); while 0 its other disk series are absent.',
  PROBE_LABELS,
);

export const diskProbeError = gauge(
  'upkeep_disk_probe_error_info',
  'Why the path could not be measured (reason: not_found, permission_denied, timeout — a hung mount, too_many_hung — not tried while other mounts hang, io_error, error); value 1, present only while the probe fails. The full message is logged as disk.probe_failed.',
  [...PROBE_LABELS, 'reason'],
);

export const diskFamilies = [diskSize, diskFree, diskAvail, diskFiles, diskFilesFree, diskReadonly, diskProbeSuccess, diskProbeError] as const;

export interface WatchedPath {
  path: string;
  role: DiskRole;
}

export function emitPathProbe(emit: Emit, { path, role }: WatchedPath, probe: PathProbe): void {
  emit(diskProbeSuccess, { path, role }, probe.ok ? 1 : 0);
  if (!probe.ok) {
    emit(diskProbeError, { path, role, reason: probe.reason }, 1);
    return;
  }
  const labels = { path, role, mountpoint: probe.mount?.mountpoint ?? '' };
  emit(diskSize, labels, probe.usage.sizeBytes);
  emit(diskFree, labels, probe.usage.freeBytes);
  emit(diskAvail, labels, probe.usage.availBytes);
  emit(diskFiles, labels, probe.usage.files);
  emit(diskFilesFree, labels, probe.usage.filesFree);
  if (probe.mount) emit(diskReadonly, labels, probe.mount.readonly ? 1 : 0);
}

/**
 * Logs a path's trouble when it starts, changes reason or ends — not on
 * every scrape: a mount that stays hung for a day is two lines.
 */
export class PathProbeLog {
  private readonly trouble = new TroubleLog({ started: 'disk.probe_failed', continuing: 'disk.probe_still_failing', ended: 'disk.probe_recovered' });

  record(log: Logger, watched: WatchedPath, probe: PathProbe): void {
    this.trouble.record(log, `${watched.role}\u0000${watched.path}`, { ...watched }, probe.ok ? undefined : probe);
  }
}
