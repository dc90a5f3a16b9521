/**
 * WAL archiving health from pg_stat_archiver: one query per scrape (plus a
 * privilege check every ten minutes).
 *
 * Timestamps, not ages: archiving is failing right now when the last failure
 * is newer than the last success, and an idle server legitimately archives
 * nothing until archive_timeout. Counters alone cannot tell "archiving is
 * off" from "healthy and idle", hence the enabled series; and an
 * archive_command that hangs fails nothing, hence the pending-files count.
 */
import { counter, gauge } from '../metrics/family.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { liveCollector } from './types.js';

export const walArchived = counter(
  'upkeep_pg_wal_archived_total',
  'WAL files archived successfully since statistics were reset (pg_stat_archiver.archived_count).',
  ['target'],
);

export const walArchiveFailures = counter(
  'upkeep_pg_wal_archive_failures_total',
  'Failed attempts to archive a WAL file since statistics were reset (pg_stat_archiver.failed_count).',
  ['target'],
);

export const walArchiveLastSuccess = gauge(
  'upkeep_pg_wal_archive_last_success_timestamp_seconds',
  'Unix time of the last successful WAL archive (pg_stat_archiver.last_archived_time); absent if none since statistics were reset.',
  ['target'],
);

export const walArchiveLastFailure = gauge(
  'upkeep_pg_wal_archive_last_failure_timestamp_seconds',
  'Unix time of the last failed WAL archive attempt (pg_stat_archiver.last_failed_time); absent if none since statistics were reset.',
  ['target'],
);

export const walArchivePending = gauge(
  'upkeep_pg_wal_archive_pending_files',
  'WAL files waiting to be archived (.ready files in pg_wal/archive_status); grows while archiving fails or hangs. Absent unless the exporter\'s role may run pg_ls_archive_statusdir (pg_monitor may).',
  ['target'],
);

export const walArchiveEnabled = gauge(
  'upkeep_pg_wal_archive_enabled',
  'Whether this server archives WAL (1: archive_mode always, or on while primary) or not (0: off, or on while a standby); archive_mode is the setting.',
  ['target', 'archive_mode'],
);

interface ArchiverRow {
  archived: number;
  failed: number;
  last_archived: number | null;
  last_failed: number | null;
  archive_mode: string;
  in_recovery: boolean;
  pending: number | null;
}

/** How long a privilege check stays good: grants change rarely, and a new one shows within this time. */
const PRIVILEGE_RECHECK_MS = 10 * 60_000;

const canListStatusDir = new WeakMap<PostgresTarget, { allowed: boolean; checkedAt: number }>();

/**
 * Whether the role may call pg_ls_archive_statusdir (pg_monitor may). The
 * server checks EXECUTE when the statement starts, even inside a CASE that
 * would skip the call, so the main query must leave the call out entirely
 * for a role without it. Checked once per ten minutes, not per scrape.
 */
async function mayListStatusDir(target: PostgresTarget): Promise<boolean> {
  const known = canListStatusDir.get(target);
  if (known && Date.now() - known.checkedAt < PRIVILEGE_RECHECK_MS) return known.allowed;
  const { rows } = await target.query<{ allowed: boolean }>(`SELECT has_function_privilege('pg_ls_archive_statusdir()', 'EXECUTE') AS allowed`);
  const allowed = rows[0]?.allowed === true;
  canListStatusDir.set(target, { allowed, checkedAt: Date.now() });
  return allowed;
}

function archiverQuery(countPending: boolean): string {
  const pending = countPending ? `(SELECT count(*) FROM pg_ls_archive_statusdir() s WHERE s.name LIKE '%.ready')::float8` : 'NULL::float8';
  return `SELECT a.archived_count::float8 AS archived,
                 a.failed_count::float8 AS failed,
                 extract(epoch FROM a.last_archived_time)::float8 AS last_archived,
                 extract(epoch FROM a.last_failed_time)::float8 AS last_failed,
                 current_setting('archive_mode') AS archive_mode,
                 pg_is_in_recovery() AS in_recovery,
                 ${pending} AS pending
            FROM pg_stat_archiver a`;
}

export const pgWalArchive = liveCollector({
  name: 'pg_wal_archive',
  description: 'WAL archiving counters, last success and failure, pending files and whether archiving is on.',
  mode: 'live',
  targetKind: 'postgres',
  families: [walArchived, walArchiveFailures, walArchiveLastSuccess, walArchiveLastFailure, walArchivePending, walArchiveEnabled],
  async collect({ target, emit }) {
    const { rows } = await target.query<ArchiverRow>(archiverQuery(await mayListStatusDir(target)));
    const row = rows[0];
    if (!row) throw new Error('pg_stat_archiver returned no row');
    emit(walArchived, {}, row.archived);
    emit(walArchiveFailures, {}, row.failed);
    if (row.last_archived !== null) emit(walArchiveLastSuccess, {}, row.last_archived);
    if (row.last_failed !== null) emit(walArchiveLastFailure, {}, row.last_failed);
    if (row.pending !== null) emit(walArchivePending, {}, row.pending);
    const archives = row.archive_mode === 'always' || (row.archive_mode === 'on' && !row.in_recovery);
    emit(walArchiveEnabled, { archive_mode: row.archive_mode }, archives ? 1 : 0);
  },
});
