/**
 * Backups of a PostgreSQL target, from the `backups[]` sources configured
 * for it: dump directories with manifests, pgBackRest stanzas, WAL-G
 * repositories. Scheduled, because listing a repository can take seconds
 * (object storage) or hang (unreachable storage).
 *
 * Per run: one `pgbackrest info` or `wal-g backup-list` per such source, one
 * directory walk per dump directory, all concurrently, each under the
 * source's own timeoutSeconds. A source that fails is reported down
 * (upkeep_backup_source_up 0 with a reason) and only its series change; the
 * collector run itself still succeeds, so upkeep_collector_success stays
 * about the collector, not about the repositories.
 */
import { lastVerifiedAt, latestByKind } from '../backups/latestBackups.js';
import { readBackupSource, type SourceOutcome } from '../backups/readSource.js';
import { SourceStateLog } from '../backups/sourceStateLog.js';
import type { BackupSourceConfig } from '../config/types.js';
import { gauge } from '../metrics/family.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { scheduledCollector, type Emit } from './types.js';
import { perTarget } from './perTarget.js';

export const backupSourceUp = gauge(
  'upkeep_backup_source_up',
  'Whether the backup source could be read on its last refresh (1) or not (0: timed out, command failed, unreadable output or directory); while 0 its backup series are absent.',
  ['target', 'source'],
);

export const backupSourceInfo = gauge(
  'upkeep_backup_source_info',
  'A configured backup source and its kind (dump-dir, pgbackrest, walg); the value is always 1.',
  ['target', 'source', 'source_kind'],
);

export const backupSourceError = gauge(
  'upkeep_backup_source_error_info',
  'Why the backup source is down (reason: timeout, command_not_found, command_failed, invalid_output, stanza_error, unreadable, aborted); value 1, present only while the source is down. The full message is logged as backup_source.down.',
  ['target', 'source', 'reason'],
);

export const backupLastSuccess = gauge(
  'upkeep_backup_last_success_timestamp_seconds',
  'Unix time at which the newest successful backup of at least this kind finished (pgBackRest: diff = newest full or diff, incr = newest of any; WAL-G: delta = newest full or delta); 0 when the source has none.',
  ['target', 'source', 'backup_kind'],
);

export const backupLastSize = gauge(
  'upkeep_backup_last_size_bytes',
  'Size on backup storage of the backup in upkeep_backup_last_success_timestamp_seconds: the dump file; for pgBackRest the bytes it added to the repository; for WAL-G its compressed size.',
  ['target', 'source', 'backup_kind'],
);

export const backupLastDuration = gauge(
  'upkeep_backup_last_duration_seconds',
  'How long the backup in upkeep_backup_last_success_timestamp_seconds took, from its start to its finish as the source records them.',
  ['target', 'source', 'backup_kind'],
);

export const backupCount = gauge('upkeep_backups', 'Number of backups in the source that count as successful.', ['target', 'source']);

export const backupsRejected = gauge(
  'upkeep_backups_rejected',
  'Backups or files in the source that do not count as successful, by reason (dump-dir: no_manifest, partial, invalid_manifest, missing_dump, size_mismatch, verification_failed; pgBackRest: backup_error).',
  ['target', 'source', 'reason'],
);

export const backupLastVerified = gauge(
  'upkeep_backup_last_verified_timestamp_seconds',
  'Unix time of the most recent successful verification of a counted backup, from the dump manifests; 0 when none has been verified; absent for sources that do not record verifications.',
  ['target', 'source'],
);

export const pgbackrestStatusCode = gauge(
  'upkeep_backup_pgbackrest_status_code',
  'pgBackRest status code of the stanza: 0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data, 4 different across repositories, 5 database mismatch across repositories, 6 requested backup not found, 99 other. Codes 1, 3 and 99 mark the source down.',
  ['target', 'source'],
);

export const backupInProgress = gauge(
  'upkeep_backup_in_progress',
  'Whether a backup is running at the source (1) or not (0), from pgBackRest\'s backup lock; absent for sources that cannot tell.',
  ['target', 'source'],
);

const stateLogOf = perTarget((_target: PostgresTarget) => new SourceStateLog());

export const backups = scheduledCollector({
  name: 'backups',
  description: 'Newest backup per kind, size, duration, count and verification of each configured backup source.',
  mode: 'scheduled',
  targetKind: 'postgres',
  defaultSchedule: '*/5 * * * *',
  defaultTimeoutSeconds: 120,
  families: [
    backupSourceUp,
    backupSourceInfo,
    backupSourceError,
    backupLastSuccess,
    backupLastSize,
    backupLastDuration,
    backupCount,
    backupsRejected,
    backupLastVerified,
    pgbackrestStatusCode,
    backupInProgress,
  ],
  async collect({ target, emit, signal, log }) {
    const sources = target.config.backups;
    const outcomes = await Promise.all(sources.map((source) => readBackupSource(source, signal)));
    // Out of time: the framework discards this run; its "aborted" outcomes say nothing about the sources.
    if (signal.aborted) return;
    const stateLog = stateLogOf(target);
    sources.forEach((source, index) => {
      const outcome = outcomes[index]!;
      stateLog.record(log, source, outcome);
      emitSource(emit, source, outcome);
    });
  },
});

function emitSource(emit: Emit, source: BackupSourceConfig, outcome: SourceOutcome): void {
  const id = { source: source.name };
  emit(backupSourceInfo, { ...id, source_kind: source.kind }, 1);
  emit(backupSourceUp, id, outcome.up ? 1 : 0);
  if (!outcome.up) {
    emit(backupSourceError, { ...id, reason: outcome.reason }, 1);
    if (outcome.statusCode !== undefined) emit(pgbackrestStatusCode, id, outcome.statusCode);
    return;
  }

  const reading = outcome.reading;
  emit(backupCount, id, reading.backups.length);
  for (const [reason, count] of reading.rejected) emit(backupsRejected, { ...id, reason }, count);
  for (const [backupKind, latest] of latestByKind(reading)) {
    const labels = { ...id, backup_kind: backupKind };
    emit(backupLastSuccess, labels, latest?.finishedAt ?? 0);
    if (latest?.sizeBytes !== undefined) emit(backupLastSize, labels, latest.sizeBytes);
    if (latest?.startedAt !== undefined) emit(backupLastDuration, labels, Math.max(0, latest.finishedAt - latest.startedAt));
  }
  if (reading.tracksVerification) emit(backupLastVerified, id, lastVerifiedAt(reading.backups) ?? 0);
  if (reading.statusCode !== undefined) emit(pgbackrestStatusCode, id, reading.statusCode);
  if (reading.backupInProgress !== undefined) emit(backupInProgress, id, reading.backupInProgress ? 1 : 0);
}
