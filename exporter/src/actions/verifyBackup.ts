/**
 * Checks that a dump is still the backup its manifest describes: the file's
 * size and sha256 against the manifest, then `pg_restore --list`, which
 * reads the archive's header and table of contents (custom and tar format;
 * a plain SQL dump gets the checksum only). The outcome, pass or fail, is
 * appended to the manifest's `verifications`, where the backups collector
 * reads it: a dump whose latest verification failed no longer counts as a
 * backup, and `upkeep_backup_last_verified_timestamp_seconds` moves on a pass.
 *
 * A failed verification fails the job, with what did not match, after it
 * is recorded. What is not the dump's fault — pg_restore missing, the job
 * cancelled, the file vanished — fails the job without a record.
 *
 * Not done: a restore test into a scratch database (DESIGN calls it optional).
 */
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { ProcessError, runProcess } from '../childProcess.js';
import { readManifest, withVerification, writeManifest } from '../backups/manifest.js';
import { sha256OfFile } from '../backups/sha256.js';
import { backupScope, dumpDirectorySourceOf, listTargetDumps, type DumpDirectorySource, type TargetDump } from './dumpDirectorySource.js';
import { parseMajorVersion, pgToolVersion, toolEnvironment, type ToolVersion } from './pgTools.js';
import { ActionRejection, defineAction, type Json, type Prepared, type RunContext } from './types.js';

const PROGRESS_INTERVAL_MS = 250;

interface VerifyPlan {
  source: DumpDirectorySource;
  dump: { file: string; path: string; manifestPath: string };
  /** pg_restore for custom and tar dumps; a plain SQL dump has no archive to list. */
  pgRestore: ToolVersion | undefined;
  method: string;
}

export const verifyBackup = defineAction({
  name: 'verify-backup',
  title: 'Verify a backup',
  description:
    "Checks a dump in the target's dump directory against its manifest (size, sha256) and lists it with pg_restore --list; records the outcome in the manifest. The newest dump when no file is given. Reads the file; touches no database.",
  targetKind: 'postgres',
  params: z.strictObject({
    file: z
      .string()
      .min(1)
      .max(255)
      .describe('File name of a dump in the dump directory (no path), e.g. main-app-20250102T020000Z.dump; the newest dump when absent.')
      .optional(),
  }),
  role: 'operator',
  destructive: false,
  supportsDryRun: false,
  refreshes: ['backups'],

  async prepare({ target, params, signal }): Promise<Prepared<VerifyPlan>> {
    const source = dumpDirectorySourceOf(target);
    if (params.file !== undefined) requirePlainFileName(params.file);
    const listing = await listTargetDumps(source, target.name, signal);
    const dump = params.file === undefined ? listing.dumps[0] : listing.dumps.find((d) => d.file === params.file);
    if (!dump) {
      if (params.file === undefined) {
        throw new ActionRejection(404, 'no_backups', `backup source ${source.name} (${source.path}) holds no dump of target ${target.name} with a manifest`);
      }
      const orphan = listing.orphanManifests.some((d) => d.file === params.file);
      throw new ActionRejection(
        404,
        'unknown_backup',
        orphan
          ? `${params.file} has a manifest in ${source.path} but the dump itself is gone`
          : `${source.path} holds no dump named ${params.file} with a manifest of target ${target.name}`,
      );
    }
    const archive = dump.manifest.dumpFormat !== 'plain';
    const pgRestore = archive ? await pgToolVersion(source, 'pg_restore', signal) : undefined;
    if (pgRestore) requireNewEnough(pgRestore, dump, source);
    return {
      scope: backupScope(source),
      plan: {
        source,
        dump: { file: dump.file, path: dump.path, manifestPath: dump.manifestPath },
        pgRestore,
        method: archive ? 'sha256+pg_restore-list' : 'sha256',
      },
    };
  },

  async run(ctx): Promise<Json> {
    const { plan, signal } = ctx;
    const started = performance.now();
    // Read again: the manifest as it is now is what gets the record appended.
    const read = await readManifest(plan.dump.manifestPath);
    if (!read.ok) throw new Error(`the manifest of ${plan.dump.file} ${read.problem}; nothing verified`);
    const manifest = read.manifest;
    const onDisk = await stat(plan.dump.path).catch(() => undefined);
    if (!onDisk?.isFile()) throw new Error(`${plan.dump.path} is gone; nothing verified`);

    const failures: string[] = [];
    let sha256: string | undefined;
    if (onDisk.size !== manifest.sizeBytes) {
      failures.push(`size is ${onDisk.size} bytes, the manifest records ${manifest.sizeBytes} (sha256 not computed)`);
    } else {
      sha256 = await checksum(ctx, manifest.sizeBytes);
      if (sha256 !== manifest.sha256) failures.push(`sha256 is ${sha256}, the manifest records ${manifest.sha256}`);
    }
    let archiveEntries: number | undefined;
    if (plan.pgRestore) {
      ctx.progress({ phase: 'listing archive', detail: { file: plan.dump.file } });
      const listed = await listArchive(plan.pgRestore, plan.dump.path, signal);
      if (listed.ok) archiveEntries = listed.entries;
      else failures.push(`pg_restore --list failed: ${listed.problem}`);
    }

    const verifiedAt = new Date().toISOString();
    const detail = failures.join('; ');
    await writeManifest(
      plan.dump.manifestPath,
      withVerification(manifest, {
        verifiedAt,
        ok: failures.length === 0,
        method: plan.method,
        // The manifest keeps at most 2000 characters of detail; the job's error has it all.
        ...(failures.length > 0 ? { detail: detail.slice(0, 2000) } : {}),
      }),
    );
    if (failures.length > 0) throw new Error(`${plan.dump.file} failed verification: ${detail}`);
    return {
      file: plan.dump.file,
      ok: true,
      method: plan.method,
      sizeBytes: manifest.sizeBytes,
      sha256: sha256 ?? manifest.sha256,
      archiveEntries: archiveEntries ?? null,
      verifiedAt,
      durationSeconds: (performance.now() - started) / 1000,
    };
  },
});

/** A bare file name: the dump must be in the directory itself, and input never walks out of it. */
function requirePlainFileName(file: string): void {
  if (file.includes('/') || file.includes('\\') || file.includes('..') || file.includes('\0')) {
    throw new ActionRejection(422, 'invalid_file_name', `file must be the name of a dump in the dump directory, without a path: ${JSON.stringify(file)}`);
  }
}

/** pg_restore cannot read archives of a newer pg_dump; blaming the dump for that would be wrong. */
function requireNewEnough(pgRestore: ToolVersion, dump: TargetDump, source: DumpDirectorySource): void {
  const written = parseMajorVersion(dump.manifest.pgDumpVersion);
  if (written && pgRestore.majorNum < written.majorNum) {
    throw new ActionRejection(
      422,
      'pg_restore_too_old',
      `${dump.file} was written by ${dump.manifest.pgDumpVersion} but ${pgRestore.path} is PostgreSQL ${pgRestore.major}; point binDir of backup source ${source.name} at pg_restore ${written.major} or later`,
    );
  }
}

async function checksum(ctx: RunContext<'postgres', VerifyPlan>, sizeBytes: number): Promise<string> {
  const file = ctx.plan.dump.file;
  let last = 0;
  const report = (bytesRead: number, force = false): void => {
    const now = Date.now();
    if (!force && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    const percent = sizeBytes > 0 ? (bytesRead / sizeBytes) * 100 : 100;
    ctx.progress({ phase: 'checksumming', percent, detail: { file, bytesRead, sizeBytes } });
  };
  report(0, true);
  const sha256 = await sha256OfFile(ctx.plan.dump.path, ctx.signal, report);
  report(sizeBytes, true);
  return sha256;
}

type Listing = { ok: true; entries: number } | { ok: false; problem: string };

async function listArchive(pgRestore: ToolVersion, path: string, signal: AbortSignal): Promise<Listing> {
  const counter = new TocEntryCounter();
  try {
    await runProcess({
      command: pgRestore.path,
      args: ['--list', path],
      env: toolEnvironment(),
      signal,
      stdout: { sink: counter },
      abortReason: 'the job was cancelled or the exporter is shutting down',
    });
    return { ok: true, entries: counter.entries };
  } catch (err) {
    // Only pg_restore's verdict on the file is the dump's fault; a missing tool or a cancel is not.
    if (err instanceof ProcessError && err.failure === 'exited') return { ok: false, problem: err.message };
    throw err;
  }
}

/**
 * Counts the entries pg_restore --list prints (one line each; comment lines
 * start with `;`) without keeping the listing: a large schema lists megabytes.
 */
class TocEntryCounter extends Writable {
  entries = 0;
  private atLineStart = true;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const byte of chunk) {
      if (this.atLineStart && byte !== 0x3b /* ; */ && byte !== 0x0a) this.entries += 1;
      this.atLineStart = byte === 0x0a;
    }
    callback();
  }
}
