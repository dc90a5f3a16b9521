/**
 * What every backup source reader (dump directory, pgBackRest, WAL-G) hands
 * the `backups` collector: the completed backups it can vouch for, what it
 * refused to count and why, and — when it cannot read the source at all — a
 * BackupSourceError whose reason becomes a bounded label value.
 */

/** One backup that counts as a success. Times are Unix seconds. */
export interface CompletedBackup {
  /** The backup's own type: `full`, `diff`, `incr` (pgBackRest), `full`, `delta` (WAL-G), `dump`. */
  type: string;
  finishedAt: number;
  startedAt: number | undefined;
  /** Bytes the backup occupies on backup storage (see each reader). */
  sizeBytes: number | undefined;
  /** When the backup was last verified successfully; undefined if never or unknown. */
  verifiedAt: number | undefined;
}

export interface SourceReading {
  backups: CompletedBackup[];
  /**
   * The `backup_kind` label values this source reports, each with the backup
   * types that satisfy it ("at least as new as": pgBackRest's `diff` is the
   * newest full or diff, because a full backup is at least as recent a base).
   */
  coverage: ReadonlyMap<string, readonly string[]>;
  /** Backups or files that do not count, by reason; every reason the source kind knows, zeros included. */
  rejected: ReadonlyMap<string, number>;
  /** A few human-readable lines about what was not counted, for the log (the counts carry the rest). */
  problems?: string[];
  /** Whether the source records verifications at all (only then is "never verified" meaningful). */
  tracksVerification: boolean;
  /** pgBackRest's stanza status code (0 ok, 2 no valid backups, …); undefined for other kinds. */
  statusCode?: number;
  /** Whether a backup is running right now, where the source can tell. */
  backupInProgress?: boolean;
}

/** Why a source could not be read: the `reason` label of upkeep_backup_source_error_info. */
export const SOURCE_ERROR_REASONS = [
  'timeout',
  'command_not_found',
  'command_failed',
  'invalid_output',
  'stanza_error',
  'unreadable',
  'aborted',
] as const;

export type SourceErrorReason = (typeof SOURCE_ERROR_REASONS)[number];

export class BackupSourceError extends Error {
  /** pgBackRest's stanza status code when that is what made the source unusable. */
  readonly statusCode: number | undefined;

  constructor(
    readonly reason: SourceErrorReason,
    message: string,
    options: { cause?: unknown; statusCode?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'BackupSourceError';
    this.statusCode = options.statusCode;
  }
}

/** A map with every known reason at 0, for readers to count into. */
export function zeroCounts(reasons: readonly string[]): Map<string, number> {
  return new Map(reasons.map((r) => [r, 0]));
}

export function countInto(counts: Map<string, number>, reason: string): void {
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
}
