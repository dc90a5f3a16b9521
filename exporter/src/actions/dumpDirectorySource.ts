/**
 * The dump directory the backup actions work in, and what is in it.
 *
 * A target's dump-dir source is the first entry of its `backups` with kind
 * `dump-dir` (a target with several writes its backups into the first; the
 * others are only read by the collector). The listing reads the directory
 * itself, not the subdirectories the collector also walks: the actions write
 * there and name files without paths. It goes through the collector's own
 * reader (readManifestedDumps), so both agree on what a manifest-backed dump
 * is, and keeps only the dumps whose manifest names this target: a directory
 * shared by several targets is pruned and verified per target.
 */
import type { BackupSourceConfig } from '../config/types.js';
import { listDumpDirFiles, readManifestedDumps, type ManifestedDump } from '../backups/dumpDir.js';
import type { DumpManifest } from '../backups/manifest.js';
import { BackupSourceError } from '../backups/sourceReading.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { ActionRejection } from './types.js';

export interface DumpDirectorySource {
  name: string;
  /** The directory dumps are written to (absolute). */
  path: string;
  /** Where pg_dump and pg_restore are; PATH when undefined. */
  binDir: string | undefined;
}

/** The target's dump directory; 422 `no_dump_dir_source` when it has none. */
export function dumpDirectorySourceOf(target: PostgresTarget): DumpDirectorySource {
  const source = target.config.backups.find((b): b is BackupSourceConfig & { path: string } => b.kind === 'dump-dir' && b.path !== undefined);
  if (!source) {
    const kinds = target.config.backups.map((b) => `${b.name} (${b.kind})`);
    throw new ActionRejection(
      422,
      'no_dump_dir_source',
      `target ${target.name} has no backup source of kind dump-dir to write to or read from; add one under backups: with target: ${target.name}`,
      { sources: kinds },
    );
  }
  return { name: source.name, path: source.path, binDir: source.binDir };
}

/** The lock scope every backup action takes: one job at a time per dump directory source. */
export function backupScope(source: DumpDirectorySource): string {
  return `backups:${source.name}`;
}

export interface TargetDump {
  /** The dump's file name (no directory), as its manifest records it. */
  file: string;
  path: string;
  manifestPath: string;
  manifest: DumpManifest;
  finishedAtMs: number;
  /** The dump file's size on disk (normally the manifest's); undefined when the file is gone. */
  sizeOnDiskBytes: number | undefined;
}

export interface DumpListing {
  /** This target's manifest-backed dumps whose file is there, newest first. */
  dumps: TargetDump[];
  /** This target's manifests whose dump is gone: what a prune interrupted between its two deletions leaves. */
  orphanManifests: TargetDump[];
  /** Files that are none of the above, by reason: partial, no_manifest, invalid_manifest, other_target. */
  ignored: Record<string, number>;
}

export async function listTargetDumps(source: DumpDirectorySource, targetName: string, signal: AbortSignal): Promise<DumpListing> {
  let contents;
  try {
    contents = await readManifestedDumps(await listDumpDirFiles(source.path, signal, 0), signal);
  } catch (err) {
    if (err instanceof BackupSourceError) throw new ActionRejection(422, 'dump_dir_unreadable', `backup source ${source.name}: ${err.message}`);
    throw err;
  }
  const ignored: Record<string, number> = { partial: 0, no_manifest: 0, invalid_manifest: 0, other_target: 0 };
  for (const rejection of contents.rejections) ignored[rejection.reason] = (ignored[rejection.reason] ?? 0) + 1;
  const dumps: TargetDump[] = [];
  const orphanManifests: TargetDump[] = [];
  for (const dump of contents.dumps) {
    if (dump.manifest.target !== targetName) {
      ignored.other_target = (ignored.other_target ?? 0) + 1;
      continue;
    }
    (dump.dumpSizeBytes === undefined ? orphanManifests : dumps).push(targetDump(dump));
  }
  dumps.sort(newestFirst);
  orphanManifests.sort(newestFirst);
  return { dumps, orphanManifests, ignored };
}

function targetDump(dump: ManifestedDump): TargetDump {
  return {
    file: dump.manifest.file,
    path: dump.dumpPath,
    manifestPath: dump.manifestPath,
    manifest: dump.manifest,
    finishedAtMs: Date.parse(dump.manifest.finishedAt),
    sizeOnDiskBytes: dump.dumpSizeBytes,
  };
}

/** By finishedAt, newest first; equal times by file name, so every listing orders alike. */
export function newestFirst(a: { finishedAtMs: number; file: string }, b: { finishedAtMs: number; file: string }): number {
  return b.finishedAtMs - a.finishedAtMs || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0);
}

