/**
 * The filesystem holding each configured `disks[]` path: size, free and
 * available bytes, inodes, read-only flag. Live and cheap: per scrape one
 * realpath, stat and statfs of the path (each bounded, never started twice
 * for a hung mount) and one shared read of /proc/self/mountinfo.
 *
 * A path that cannot be measured is upkeep_disk_probe_success 0 with a
 * reason, not a failed collector: the collector works, the path does not.
 */
import { diskFamilies, emitPathProbe, PathProbeLog } from '../metrics/diskFamilies.js';
import { filesystemProbe } from '../targets/filesystem.js';
import type { DiskTarget } from '../targets/staticTargets.js';
import { liveCollector } from './types.js';
import { perTarget } from './perTarget.js';

const probeLogOf = perTarget((_target: DiskTarget) => new PathProbeLog());

export const disk = liveCollector({
  name: 'disk',
  description: 'Size, free space, inodes and read-only flag of the filesystem holding each configured disk path.',
  mode: 'live',
  targetKind: 'disk',
  families: diskFamilies,
  async collect({ target, emit, log }) {
    const watched = { path: target.config.path, role: 'configured' as const };
    const probe = await filesystemProbe.probe(watched.path);
    probeLogOf(target).record(log, watched, probe);
    emitPathProbe(emit, watched, probe);
  },
});
