/**
 * Takes a pg_dump (custom format) of one database into the target's dump
 * directory, so that it counts as a backup only once it is complete:
 *
 *   <name>.dump.partial  ← pg_dump's output streamed in, fsynced
 *   <name>.dump          ← renamed, directory fsynced
 *   <name>.dump.manifest.json ← size and sha256 (manifest.ts), written the same way
 *
 * A failure or a cancellation removes what the job wrote; a crash of the
 * exporter leaves a `.partial` file (pg_dump dies with its pipe), which the
 * backups collector shows as `partial` and never counts, and which is
 * removed when the job is marked interrupted (cleanUpInterrupted).
 *
 * Before anything runs: the database must exist, pg_dump must be at least
 * the server's major version (older ones refuse newer servers), and the
 * directory must have room for the estimated dump plus a margin. The
 * estimate is the size of the newest dump of the same database (dumps of
 * one database grow slowly), else pg_database_size — the files on disk,
 * indexes included, far more than a compressed dump needs: on the safe side.
 */
import { open, rm, rename } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import { ProcessError, runProcess } from '../childProcess.js';
import { describeDump, manifestPathFor, PARTIAL_SUFFIX, syncDirectory, writeManifest } from '../backups/manifest.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { requireHeadroom, type Headroom } from './diskHeadroom.js';
import { backupScope, dumpDirectorySourceOf, listTargetDumps, type DumpDirectorySource } from './dumpDirectorySource.js';
import { freeDumpPath } from './dumpFileName.js';
import { removeInterruptedBackup } from './interruptedBackup.js';
import { DurableFileSink } from './durableFileSink.js';
import { MAINTENANCE_LOCK_TIMEOUT_MS } from './maintenanceSession.js';
import { databaseParam } from './maintenanceParams.js';
import { dumpConnection } from './pgDumpConnection.js';
import { pgToolVersion, serverMajorVersion, toolEnvironment, type ToolVersion } from './pgTools.js';
import { ActionRejection, defineAction, type Json, type Prepared, type RunContext } from './types.js';

/** Room needed: the estimate plus a fifth, for growth since the last dump. */
export const HEADROOM_MARGIN = 1.2;
/** Progress is cheap, but a report per 64 KiB pipe chunk is still pointless. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * pg_dump's arguments; the connection is in the environment (pgDumpConnection.ts).
 * --lock-wait-timeout: pg_dump takes a share lock on every table; behind an
 * ALTER TABLE it would wait, and everyone else behind it. It gives up instead.
 */
const PG_DUMP_ARGS = ['--format=custom', '--no-password', `--lock-wait-timeout=${MAINTENANCE_LOCK_TIMEOUT_MS}`] as const;

type EstimateBasis = 'previous_dump' | 'database_size' | 'unknown';

interface SizeEstimate {
  bytes: number;
  basis: EstimateBasis;
  /** The dump the estimate comes from, for basis previous_dump. */
  previousDump: string | null;
}

interface BackupPlan {
  source: DumpDirectorySource;
  database: string;
  pgDump: ToolVersion;
  serverVersion: string;
  estimate: SizeEstimate;
  headroom: Headroom;
}

interface DatabaseRow {
  allow_conn: boolean;
  size_bytes: string | null;
}

export const backup = defineAction({
  name: 'backup',
  title: 'Back up a database',
  description:
    "pg_dump (custom format) of one database into the target's dump directory, with a sha256 manifest beside it once complete. Takes share locks on every table (waits at most 5 s for each); blocks nothing but DDL.",
  targetKind: 'postgres',
  params: z.strictObject({
    database: databaseParam.describe("Database to dump; the database of the target's DSN when absent.").optional(),
  }),
  role: 'operator',
  destructive: false,
  supportsDryRun: true,
  refreshes: ['backups'],

  async cleanUpInterrupted({ target, progress }) {
    const file = progress?.detail?.file;
    if (typeof file !== 'string') return { removed: [] };
    return { removed: await removeInterruptedBackup(target, file) };
  },

  async prepare({ target, params, signal }): Promise<Prepared<BackupPlan>> {
    const source = dumpDirectorySourceOf(target);
    // Fresh, not the last scrape's: the version decides whether pg_dump can dump the server.
    await target.probe();
    const info = target.info;
    if (!info) throw new Error(`target ${target.name} answered the probe without describing itself`);
    const database = params.database ?? info.database;
    const row = await databaseRow(target, database, false);
    if (!row.allow_conn) {
      throw new ActionRejection(422, 'database_not_connectable', `database ${database} does not allow connections (datallowconn is false); it cannot be dumped`);
    }

    const pgDump = await pgToolVersion(source, 'pg_dump', signal);
    const server = serverMajorVersion(info.versionNum);
    if (pgDump.majorNum < server.majorNum) {
      throw new ActionRejection(
        422,
        'pg_dump_too_old',
        `${pgDump.path} is PostgreSQL ${pgDump.major} but the server runs ${info.version}: pg_dump refuses to dump a newer server; point binDir of backup source ${source.name} at a pg_dump of version ${server.major} or later`,
        { pgDumpVersion: pgDump.text, serverVersion: info.version },
      );
    }

    const estimate = await estimateDumpSize(target, source, database, signal);
    const headroom = await requireHeadroom(source.path, Math.ceil(estimate.bytes * HEADROOM_MARGIN), `a backup of ${database}`);
    return { scope: backupScope(source), plan: { source, database, pgDump, serverVersion: info.version, estimate, headroom } };
  },

  async run(ctx): Promise<Json> {
    const { target, plan } = ctx;
    const startedAt = new Date();
    const dumpPath = await freeDumpPath(plan.source.path, target.name, plan.database, startedAt);
    const connection = dumpConnection(target.config.dsn, plan.database, ctx.jobId, target.config.connectTimeoutSeconds);
    if (ctx.dryRun) {
      return {
        dryRun: true,
        file: basename(dumpPath),
        path: dumpPath,
        database: plan.database,
        source: plan.source.name,
        estimate: { ...plan.estimate },
        headroom: { ...plan.headroom },
        command: [plan.pgDump.path, ...PG_DUMP_ARGS],
        environment: connection.shown,
        pgDumpVersion: plan.pgDump.text,
      };
    }
    return takeDump(ctx, dumpPath, startedAt, connection.env);
  },
});

async function takeDump(ctx: RunContext<'postgres', BackupPlan>, dumpPath: string, startedAt: Date, connectionEnv: Record<string, string>): Promise<Json> {
  const { plan, signal } = ctx;
  const file = basename(dumpPath);
  const partialPath = `${dumpPath}${PARTIAL_SUFFIX}`;
  const manifestPath = manifestPathFor(dumpPath);
  let complete = false;
  // 'wx': never write into a file someone else has (freeDumpPath checked; this makes it certain).
  const handle = await open(partialPath, 'wx', 0o640);
  let handleOpen = true;
  try {
    const reportDumping = throttled((bytesWritten: number) => {
      const detail = { file, bytesWritten, estimatedBytes: plan.estimate.bytes };
      // Only a previous dump of the same database makes the estimate a fair yardstick.
      const percent = plan.estimate.basis === 'previous_dump' && plan.estimate.bytes > 0 ? Math.min(99, (bytesWritten / plan.estimate.bytes) * 100) : undefined;
      ctx.progress(percent === undefined ? { phase: 'dumping', detail } : { phase: 'dumping', percent, detail });
    });
    reportDumping(0, true);
    const sink = new DurableFileSink(handle, (bytes) => reportDumping(bytes));
    await runPgDump(plan, sink, connectionEnv, signal);
    await handle.close();
    handleOpen = false;
    const finishedAt = new Date();
    await rename(partialPath, dumpPath);
    await syncDirectory(dirname(dumpPath));

    const sizeBytes = sink.bytesWritten;
    const reportChecksumming = throttled((bytesRead: number) => {
      ctx.progress({ phase: 'checksumming', percent: sizeBytes > 0 ? (bytesRead / sizeBytes) * 100 : 100, detail: { file, bytesRead, sizeBytes } });
    });
    reportChecksumming(0, true);
    const manifest = await describeDump(
      dumpPath,
      {
        startedAt,
        finishedAt,
        target: ctx.target.name,
        database: plan.database,
        dumpFormat: 'custom',
        pgDumpVersion: plan.pgDump.text,
        serverVersion: plan.serverVersion,
      },
      signal,
      (bytesRead) => reportChecksumming(bytesRead),
    );
    reportChecksumming(manifest.sizeBytes, true);
    ctx.progress({ phase: 'writing manifest', detail: { file } });
    await writeManifest(manifestPath, manifest);
    complete = true;
    return {
      file,
      path: dumpPath,
      database: plan.database,
      source: plan.source.name,
      sizeBytes: manifest.sizeBytes,
      sha256: manifest.sha256,
      startedAt: manifest.startedAt,
      finishedAt: manifest.finishedAt,
      durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      pgDumpVersion: plan.pgDump.text,
    };
  } finally {
    if (handleOpen) await handle.close().catch(() => undefined);
    if (!complete) {
      // Whatever this job wrote goes: a dump without a manifest would only be reported as `no_manifest`.
      await Promise.all([partialPath, dumpPath, manifestPath, `${manifestPath}${PARTIAL_SUFFIX}`].map((path) => rm(path, { force: true })));
    }
  }
}

async function runPgDump(plan: BackupPlan, sink: DurableFileSink, connectionEnv: Record<string, string>, signal: AbortSignal): Promise<void> {
  try {
    await runProcess({
      command: plan.pgDump.path,
      args: PG_DUMP_ARGS,
      env: toolEnvironment(connectionEnv),
      signal,
      stdout: { sink },
      abortReason: 'the job was cancelled or the exporter is shutting down',
    });
  } catch (err) {
    if (err instanceof ProcessError && err.failure !== 'aborted') {
      throw new Error(`pg_dump of database ${plan.database} failed: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** The database's row; 404 `unknown_database` when there is none. `withSize` adds pg_database_size where permitted. */
async function databaseRow(target: PostgresTarget, database: string, withSize: boolean): Promise<DatabaseRow> {
  const { rows } = await target.query<DatabaseRow>(
    `SELECT datallowconn AS allow_conn,
            CASE WHEN $2 AND has_database_privilege(oid, 'CONNECT') THEN pg_database_size(oid)::text END AS size_bytes
       FROM pg_database
      WHERE datname = $1`,
    [database, withSize],
  );
  const row = rows[0];
  if (!row) throw new ActionRejection(404, 'unknown_database', `database ${JSON.stringify(database)} does not exist on target ${target.name}`);
  return row;
}

async function estimateDumpSize(target: PostgresTarget, source: DumpDirectorySource, database: string, signal: AbortSignal): Promise<SizeEstimate> {
  const listing = await listTargetDumps(source, target.name, signal);
  const previous = listing.dumps.find((d) => d.manifest.database === database);
  if (previous) return { bytes: previous.manifest.sizeBytes, basis: 'previous_dump', previousDump: previous.file };
  const row = await databaseRow(target, database, true);
  // Without CONNECT on the database its size is unknown; the dump would fail anyway.
  if (row.size_bytes === null) return { bytes: 0, basis: 'unknown', previousDump: null };
  return { bytes: Number(row.size_bytes), basis: 'database_size', previousDump: null };
}

/** Calls `report` at most every PROGRESS_INTERVAL_MS, unless forced. */
function throttled(report: (bytes: number) => void): (bytes: number, force?: boolean) => void {
  let last = 0;
  return (bytes, force = false) => {
    const now = Date.now();
    if (!force && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    report(bytes);
  };
}
