/**
 * The dump manifest: a JSON sidecar written beside every dump once the dump
 * is complete, `<dump file>.manifest.json`. It is what makes a file in a
 * dump directory a backup: the `backups` collector counts a dump only when
 * its manifest is valid and the file has the size the manifest records, and
 * takes the backup's time from `finishedAt` — never from the file's mtime,
 * which a copy, a restore from tape or a half-written file would falsify.
 *
 * Format version 1 (fields beyond these are ignored by readers, so later
 * versions may add some; a change of meaning bumps `formatVersion`):
 *
 *   {
 *     "format": "upkeep.dump-manifest",
 *     "formatVersion": 1,
 *     "file": "main-postgres-20250102T020000Z.dump",   // beside the manifest, no directories
 *     "sizeBytes": 1234567,
 *     "sha256": "<64 lowercase hex digits>",
 *     "dumpFormat": "custom",                           // pg_dump -F: custom | tar | plain
 *     "startedAt": "2025-01-02T02:00:00.000Z",          // ISO 8601 with offset
 *     "finishedAt": "2025-01-02T02:03:12.000Z",
 *     "target": "main",                                 // the exporter's target name
 *     "database": "postgres",
 *     "pgDumpVersion": "pg_dump (PostgreSQL) 15.8",
 *     "serverVersion": "15.8",
 *     "verifications": [                                // appended by verify-backup; may be empty
 *       { "verifiedAt": "2025-01-02T03:00:00.000Z", "ok": true, "method": "sha256+pg_restore-list" }
 *     ]
 *   }
 *
 * The backup action writes the dump to `<file>.partial`, fsyncs and renames
 * it, then writes this manifest the same way: a crash leaves a `.partial`
 * file or a dump without a manifest, both reported and neither counted.
 */
import { open, rename, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import { sha256OfFile } from './sha256.js';

export const MANIFEST_SUFFIX = '.manifest.json';
/** Suffix of files still being written (a dump or a manifest); they never count. */
export const PARTIAL_SUFFIX = '.partial';
export const MANIFEST_FORMAT = 'upkeep.dump-manifest';
export const MANIFEST_FORMAT_VERSION = 1;
/** A manifest is a few hundred bytes; a large file with that name is something else. */
const MAX_MANIFEST_BYTES = 256 * 1024;

const isoTimestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 timestamp such as 2025-01-02T03:04:05Z' });

const verificationSchema = z.object({
  verifiedAt: isoTimestamp,
  ok: z.boolean(),
  /** How it was verified, e.g. `sha256`, `sha256+pg_restore-list`, `restore-test`. */
  method: z.string().min(1).optional(),
  /** What failed, for a verification that did not pass. */
  detail: z.string().max(2000).optional(),
});

export const dumpManifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT, { error: `must be "${MANIFEST_FORMAT}"` }),
    formatVersion: z.literal(MANIFEST_FORMAT_VERSION, {
      error: (issue) => `is ${JSON.stringify(issue.input)}; this exporter reads version ${MANIFEST_FORMAT_VERSION}`,
    }),
    file: z
      .string()
      .min(1)
      .refine((f) => f === basename(f) && f !== '.' && f !== '..', 'must be a file name in the same directory, without a path'),
    sizeBytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
    dumpFormat: z.enum(['custom', 'tar', 'plain']),
    startedAt: isoTimestamp,
    finishedAt: isoTimestamp,
    target: z.string().min(1),
    database: z.string().min(1),
    pgDumpVersion: z.string().min(1),
    serverVersion: z.string().min(1),
    verifications: z.array(verificationSchema).default([]),
  })
  // Malformed times are reported by their own fields; compare only two real ones.
  .refine((m) => !(Date.parse(m.finishedAt) < Date.parse(m.startedAt)), { path: ['finishedAt'], message: 'is before startedAt' });

export type DumpManifest = z.output<typeof dumpManifestSchema>;
export type Verification = DumpManifest['verifications'][number];

export function manifestPathFor(dumpPath: string): string {
  return `${dumpPath}${MANIFEST_SUFFIX}`;
}

export type ManifestReadResult = { ok: true; manifest: DumpManifest } | { ok: false; problem: string };

/** Reads and validates a manifest; a broken one is a result, not a throw (the walk reports and goes on). */
export async function readManifest(path: string): Promise<ManifestReadResult> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_MANIFEST_BYTES) return { ok: false, problem: `${size} bytes, more than a manifest can be (${MAX_MANIFEST_BYTES})` };
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    return { ok: false, problem: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  return parseManifest(text);
}

export function parseManifest(text: string): ManifestReadResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'is not JSON' };
  }
  const parsed = dumpManifestSchema.safeParse(json);
  if (parsed.success) return { ok: true, manifest: parsed.data };
  const problems = parsed.error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') : 'manifest'} ${i.message}`);
  return { ok: false, problem: problems.join('; ') };
}

/** The verification that happened last, whatever its outcome. */
export function latestVerification(manifest: DumpManifest): Verification | undefined {
  let latest: Verification | undefined;
  for (const v of manifest.verifications) {
    if (!latest || Date.parse(v.verifiedAt) >= Date.parse(latest.verifiedAt)) latest = v;
  }
  return latest;
}

/** The manifest with one more verification record; the verify action writes it back with writeManifest. */
export function withVerification(manifest: DumpManifest, verification: Verification): DumpManifest {
  return { ...manifest, verifications: [...manifest.verifications, verification] };
}

export interface DumpFacts {
  startedAt: Date;
  finishedAt: Date;
  target: string;
  database: string;
  dumpFormat: DumpManifest['dumpFormat'];
  pgDumpVersion: string;
  serverVersion: string;
}

/**
 * A manifest for a finished dump: its size from the file system, its sha256
 * read from the file (`onRead`: bytes read so far, for progress).
 */
export async function describeDump(dumpPath: string, facts: DumpFacts, signal?: AbortSignal, onRead?: (bytesRead: number) => void): Promise<DumpManifest> {
  const { size } = await stat(dumpPath);
  const sha256 = await sha256OfFile(dumpPath, signal, onRead);
  // Parsed, so the writer can never produce a manifest the reader rejects.
  return dumpManifestSchema.parse({
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    file: basename(dumpPath),
    sizeBytes: size,
    sha256,
    dumpFormat: facts.dumpFormat,
    startedAt: facts.startedAt.toISOString(),
    finishedAt: facts.finishedAt.toISOString(),
    target: facts.target,
    database: facts.database,
    pgDumpVersion: facts.pgDumpVersion,
    serverVersion: facts.serverVersion,
    verifications: [],
  } satisfies DumpManifest);
}

/**
 * Writes a manifest crash-safely: to `<path>.partial`, fsynced, renamed over
 * `path`, and the directory fsynced so the rename itself survives a crash.
 */
export async function writeManifest(path: string, manifest: DumpManifest): Promise<void> {
  const valid = dumpManifestSchema.parse(manifest);
  const partial = `${path}${PARTIAL_SUFFIX}`;
  const handle = await open(partial, 'w', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(valid, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, path);
  await syncDirectory(dirname(path));
}

/** fsync of a directory: makes the renames and unlinks in it survive a crash. */
export async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** describeDump + writeManifest beside the dump: what the backup action calls once pg_dump has finished. */
export async function writeDumpManifest(dumpPath: string, facts: DumpFacts, signal?: AbortSignal): Promise<DumpManifest> {
  const manifest = await describeDump(dumpPath, facts, signal);
  await writeManifest(manifestPathFor(dumpPath), manifest);
  return manifest;
}
