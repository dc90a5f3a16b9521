/**
 * A WAL-G backup repository, read through `wal-g backup-list --json --detail`.
 *
 * The shape has changed across WAL-G releases, so only what every release
 * prints is required (`backup_name`, `time`); the detail fields are used
 * when present and sane. `time` is when the backup's files were last
 * modified in storage; `finish_time` (detail) is when the backup finished,
 * and wins when it is there. Releases that lack metadata print Go's zero
 * time (year 1) for it. An empty repository prints nothing, `null` or `[]`.
 *
 * Delta backups carry `_D_<base WAL>` in their name (WAL-G appends it when
 * it bases a backup on an earlier one); every other backup is full.
 */
import { z } from 'zod';
import type { BackupSourceConfig } from '../config/types.js';
import { runJsonCommand } from './jsonCommand.js';
import { BackupSourceError, zeroCounts, type CompletedBackup, type SourceReading } from './sourceReading.js';

export const WALG_DEFAULT_COMMAND = 'wal-g';

/** delta is satisfied by a newer full backup too: either restores to a newer point. */
const COVERAGE: ReadonlyMap<string, readonly string[]> = new Map([
  ['full', ['full']],
  ['delta', ['full', 'delta']],
]);

const DELTA_MARKER = '_D_';
/** Go's zero time.Time, printed for fields a release did not fill in. */
const EARLIEST_PLAUSIBLE = Date.UTC(2000, 0, 1) / 1000;

const entrySchema = z.object({
  backup_name: z.string().min(1),
  time: z.string().optional(),
  start_time: z.string().optional(),
  finish_time: z.string().optional(),
  compressed_size: z.number().optional(),
});

export function walgArguments(source: Pick<BackupSourceConfig, 'configFile'>): string[] {
  return [...(source.configFile !== undefined ? ['--config', source.configFile] : []), 'backup-list', '--json', '--detail'];
}

export async function readWalg(source: BackupSourceConfig, signal: AbortSignal): Promise<SourceReading> {
  const command = source.command ?? WALG_DEFAULT_COMMAND;
  const output = await runJsonCommand({ command, args: walgArguments(source), timeoutMs: source.timeoutSeconds * 1000, signal });
  return parseWalgBackupList(output);
}

export function parseWalgBackupList(output: unknown): SourceReading {
  const entries = output === undefined || output === null ? [] : output;
  if (!Array.isArray(entries)) throw new BackupSourceError('invalid_output', 'wal-g backup-list did not print a JSON array');
  const backups: CompletedBackup[] = entries.map((entry, index) => toBackup(entry, index));
  return { backups, coverage: COVERAGE, rejected: zeroCounts([]), tracksVerification: false };
}

function toBackup(entry: unknown, index: number): CompletedBackup {
  const parsed = entrySchema.safeParse(entry);
  if (!parsed.success) {
    throw new BackupSourceError('invalid_output', `wal-g backup-list entry ${index} has no backup_name: the output format is not one this exporter reads`);
  }
  const b = parsed.data;
  const finished = plausibleTime(b.finish_time);
  const finishedAt = finished ?? plausibleTime(b.time);
  if (finishedAt === undefined) {
    throw new BackupSourceError('invalid_output', `wal-g backup-list entry ${b.backup_name} has neither a finish_time nor a time`);
  }
  // A duration needs both ends from the same clock: only when finish_time itself was usable.
  const startedAt = finished !== undefined ? plausibleTime(b.start_time) : undefined;
  return {
    type: b.backup_name.includes(DELTA_MARKER) ? 'delta' : 'full',
    finishedAt,
    startedAt,
    sizeBytes: b.compressed_size !== undefined && b.compressed_size > 0 ? b.compressed_size : undefined,
    verifiedAt: undefined,
  };
}

function plausibleTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const seconds = ms / 1000;
  return seconds >= EARLIEST_PLAUSIBLE ? seconds : undefined;
}
