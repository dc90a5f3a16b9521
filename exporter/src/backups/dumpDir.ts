/**
 * A directory of pg_dump files with manifests (see manifest.ts).
 *
 * A dump counts as a backup only when its manifest is valid, names it, and
 * the file has the manifest's size, and its latest verification (if any)
 * passed. Everything else is counted by reason, so a crashed or foreign
 * backup job is visible instead of silently ignored: files without a
 * manifest, `.partial` files, unreadable manifests, manifests whose dump is
 * gone, size mismatches, failed verifications. Hidden files are ignored.
 *
 * The walk is asynchronous and bounded (depth, entries, time). A walk that
 * times out may still be stuck in the kernel (a hung network mount holds a
 * libuv thread); until it returns, no second walk of the same path starts.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BackupSourceConfig } from '../config/types.js';
import { Limiter } from '../limiter.js';
import { TimeoutError, withTimeout } from '../timeout.js';
import { MANIFEST_SUFFIX, PARTIAL_SUFFIX, latestVerification, readManifest, type DumpManifest } from './manifest.js';
import { BackupSourceError, countInto, zeroCounts, type CompletedBackup, type SourceReading } from './sourceReading.js';

/** The directory itself and two levels below it (e.g. `<dir>/<database>/<month>/`). */
const MAX_DEPTH = 2;
const MAX_ENTRIES = 10_000;
const MANIFEST_READS_AT_ONCE = 8;
/** Problems kept for the log; the counts carry the rest. */
const MAX_PROBLEMS = 5;

const COVERAGE: ReadonlyMap<string, readonly string[]> = new Map([['dump', ['dump']]]);

export const DUMP_REJECTION_REASONS = [
  'no_manifest',
  'partial',
  'invalid_manifest',
  'missing_dump',
  'size_mismatch',
  'verification_failed',
] as const;

export type DumpRejectionReason = (typeof DUMP_REJECTION_REASONS)[number];

/** Paths whose last walk was given up on (timeout, abort) and has not returned yet. */
const stuckWalks = new Set<string>();

export async function readDumpDir(source: BackupSourceConfig, signal: AbortSignal): Promise<SourceReading> {
  const root = source.path;
  if (root === undefined) throw new BackupSourceError('unreadable', 'dump-dir source has no path');
  if (stuckWalks.has(root)) {
    throw new BackupSourceError('timeout', `the previous walk of ${root} has still not returned; not starting another`);
  }
  const walk = readDumpDirNow(root, signal);
  try {
    return await withTimeout(untilAborted(walk, signal), source.timeoutSeconds * 1000);
  } catch (err) {
    const gaveUp = err instanceof TimeoutError || (err instanceof BackupSourceError && err.reason === 'aborted');
    if (gaveUp) {
      // The walk may be blocked inside a file system call that cannot be cancelled.
      stuckWalks.add(root);
      const clear = () => stuckWalks.delete(root);
      walk.then(clear, clear);
    }
    if (err instanceof TimeoutError) {
      throw new BackupSourceError('timeout', `walking ${root} took longer than ${source.timeoutSeconds} s`, { cause: err });
    }
    throw err;
  }
}

/** Settles with `work`, or rejects as soon as the collector run is aborted. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function readDumpDirNow(root: string, signal: AbortSignal): Promise<SourceReading> {
  const contents = await readManifestedDumps(await listDumpDirFiles(root, signal), signal);
  const rejected = zeroCounts(DUMP_REJECTION_REASONS);
  const problems: string[] = [];
  const reject = ({ reason, problem }: DumpFileRejection): void => {
    countInto(rejected, reason);
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  contents.rejections.forEach(reject);

  const backups: CompletedBackup[] = [];
  for (const dump of contents.dumps) {
    const problem = whyNotCounted(dump);
    if (problem) {
      reject(problem);
      continue;
    }
    const verification = latestVerification(dump.manifest);
    backups.push({
      type: 'dump',
      finishedAt: Date.parse(dump.manifest.finishedAt) / 1000,
      startedAt: Date.parse(dump.manifest.startedAt) / 1000,
      sizeBytes: dump.manifest.sizeBytes,
      verifiedAt: verification ? Date.parse(verification.verifiedAt) / 1000 : undefined,
    });
  }
  return { backups, coverage: COVERAGE, rejected, tracksVerification: true, problems };
}

/** A valid manifest and the dump it names, which may be gone. */
export interface ManifestedDump {
  dumpPath: string;
  manifestPath: string;
  manifest: DumpManifest;
  /** The dump file's size on disk; undefined when the file is missing. */
  dumpSizeBytes: number | undefined;
}

export interface DumpFileRejection {
  reason: DumpRejectionReason;
  path: string;
  problem: string;
}

export interface DumpDirContents {
  dumps: ManifestedDump[];
  /** Files that are no manifest-backed dump at all: partial, without a manifest, with a broken one. */
  rejections: DumpFileRejection[];
}

/**
 * Pairs every manifest with the dump beside it. The collector and the backup
 * actions (verify, prune) both read a dump directory through this, so they
 * agree on what a manifest-backed dump is.
 */
export async function readManifestedDumps(files: ReadonlyMap<string, number>, signal: AbortSignal): Promise<DumpDirContents> {
  const rejections: DumpFileRejection[] = [];
  const reject = (reason: DumpRejectionReason, path: string, problem: string): void => {
    rejections.push({ reason, path, problem: `${path}: ${problem}` });
  };

  const manifests: string[] = [];
  const dumpsWithoutManifest = new Set<string>();
  for (const path of files.keys()) {
    if (path.endsWith(MANIFEST_SUFFIX)) manifests.push(path);
    else if (path.endsWith(PARTIAL_SUFFIX)) reject('partial', path, 'still being written, or left behind by a backup that did not finish');
    else dumpsWithoutManifest.add(path);
  }

  const limiter = new Limiter(MANIFEST_READS_AT_ONCE);
  const dumps: ManifestedDump[] = [];
  await Promise.all(
    manifests.map((manifestPath) =>
      limiter.run(async () => {
        throwIfAborted(signal);
        const dumpPath = manifestPath.slice(0, -MANIFEST_SUFFIX.length);
        // The dump is accounted for by its manifest, valid or not: never also "without a manifest".
        dumpsWithoutManifest.delete(dumpPath);
        const result = await readManifest(manifestPath);
        if (!result.ok) {
          reject('invalid_manifest', manifestPath, result.problem);
          return;
        }
        if (result.manifest.file !== basename(dumpPath)) {
          reject('invalid_manifest', manifestPath, `names file "${result.manifest.file}" but sits beside ${basename(dumpPath)}`);
          return;
        }
        dumps.push({ dumpPath, manifestPath, manifest: result.manifest, dumpSizeBytes: files.get(dumpPath) });
      }),
    ),
  );
  for (const path of dumpsWithoutManifest) reject('no_manifest', path, 'no manifest beside it (not written by the backup action, or it did not finish)');
  return { dumps, rejections };
}

/** Why a manifest-backed dump does not count as a backup; undefined when it does. */
export function whyNotCounted(dump: ManifestedDump): DumpFileRejection | undefined {
  const m = dump.manifest;
  if (dump.dumpSizeBytes === undefined) {
    return { reason: 'missing_dump', path: dump.manifestPath, problem: `${dump.manifestPath}: its dump ${m.file} is missing` };
  }
  if (dump.dumpSizeBytes !== m.sizeBytes) {
    return { reason: 'size_mismatch', path: dump.dumpPath, problem: `${dump.dumpPath}: ${dump.dumpSizeBytes} bytes, but its manifest records ${m.sizeBytes}` };
  }
  const verification = latestVerification(m);
  if (verification && !verification.ok) {
    const detail = verification.detail ? `: ${verification.detail}` : '';
    return {
      reason: 'verification_failed',
      path: dump.dumpPath,
      problem: `${dump.dumpPath}: its latest verification (${verification.verifiedAt}) failed${detail}`,
    };
  }
  return undefined;
}

/**
 * Regular files below root (following symlinks to files, not to directories)
 * and their sizes; `maxDepth` 0 lists the directory itself only.
 */
export async function listDumpDirFiles(root: string, signal: AbortSignal, maxDepth = MAX_DEPTH): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  let entriesSeen = 0;
  const visit = async (directory: string, depth: number): Promise<void> => {
    throwIfAborted(signal);
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new BackupSourceError('unreadable', `cannot list ${directory}: ${code}`, { cause: err });
    }
    entriesSeen += entries.length;
    if (entriesSeen > MAX_ENTRIES) {
      throw new BackupSourceError('unreadable', `more than ${MAX_ENTRIES} entries below ${root}; point the source at the dump directory itself`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (depth < maxDepth) await visit(path, depth + 1);
        continue;
      }
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      throwIfAborted(signal);
      // A file can vanish between readdir and stat (pruning runs concurrently): skip it.
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) files.set(path, info.size);
    }
  };
  await visit(root, 0);
  return files;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortedError();
}

function abortedError(): BackupSourceError {
  return new BackupSourceError('aborted', 'stopped: the collector run ran out of time');
}
