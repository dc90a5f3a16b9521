/**
 * The newest backup for each reported `backup_kind`, with "at least as new
 * as" semantics: a kind is satisfied by any backup type in its coverage, so
 * pgBackRest's `incr` age never looks worse than the newest full backup.
 */
import type { CompletedBackup, SourceReading } from './sourceReading.js';

/** backup_kind → its newest satisfying backup, or undefined when there is none. */
export function latestByKind(reading: Pick<SourceReading, 'backups' | 'coverage'>): Map<string, CompletedBackup | undefined> {
  const latest = new Map<string, CompletedBackup | undefined>();
  for (const [kind, types] of reading.coverage) {
    let newest: CompletedBackup | undefined;
    for (const backup of reading.backups) {
      if (!types.includes(backup.type)) continue;
      if (!newest || backup.finishedAt > newest.finishedAt) newest = backup;
    }
    latest.set(kind, newest);
  }
  return latest;
}

/** The most recent successful verification of any counted backup. */
export function lastVerifiedAt(backups: readonly CompletedBackup[]): number | undefined {
  let last: number | undefined;
  for (const backup of backups) {
    if (backup.verifiedAt !== undefined && (last === undefined || backup.verifiedAt > last)) last = backup.verifiedAt;
  }
  return last;
}
