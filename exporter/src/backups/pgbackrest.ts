/**
 * A pgBackRest stanza, read through `pgbackrest info --output=json`.
 *
 * The output is an array of stanzas; each lists its backups oldest first
 * with `type` (full, diff, incr), `timestamp.start/stop` (Unix seconds),
 * `info.repository.delta` (bytes the backup added to the repository) and an
 * `error` flag (pgBackRest found problems such as page checksum errors while
 * copying; such a backup is not counted as a success). `status.code` says
 * whether the stanza is usable: 0 ok, 1 missing stanza path, 2 no valid
 * backups, 3 missing stanza data, 4/5 repositories disagree, 99 other.
 */
import { z } from 'zod';
import type { BackupSourceConfig } from '../config/types.js';
import { runJsonCommand } from './jsonCommand.js';
import { BackupSourceError, countInto, zeroCounts, type CompletedBackup, type SourceReading } from './sourceReading.js';

export const PGBACKREST_DEFAULT_COMMAND = 'pgbackrest';

/** diff is satisfied by a newer full backup, incr by a newer full or diff. */
const COVERAGE: ReadonlyMap<string, readonly string[]> = new Map([
  ['full', ['full']],
  ['diff', ['full', 'diff']],
  ['incr', ['full', 'diff', 'incr']],
]);

const REJECTION_REASONS = ['backup_error'] as const;

/** Status codes at which the repository itself cannot be read for this stanza: the source is down. */
const UNREADABLE_STATUS_CODES = new Set([1, 3, 99]);

const backupSchema = z.object({
  label: z.string().optional(),
  type: z.string(),
  error: z.boolean().optional(),
  timestamp: z.object({ start: z.number(), stop: z.number() }),
  info: z
    .object({
      size: z.number().optional(),
      delta: z.number().optional(),
      repository: z.object({ size: z.number().optional(), delta: z.number().optional() }).optional(),
    })
    .optional(),
});

const stanzaSchema = z.object({
  name: z.string(),
  backup: z.array(backupSchema).default([]),
  status: z.object({
    code: z.number(),
    message: z.string().default(''),
    lock: z.object({ backup: z.object({ held: z.boolean() }).optional() }).optional(),
  }),
});

const infoSchema = z.array(z.unknown());

export function pgbackrestArguments(source: Pick<BackupSourceConfig, 'stanza' | 'configFile'>): string[] {
  return [
    ...(source.configFile !== undefined ? [`--config=${source.configFile}`] : []),
    `--stanza=${source.stanza ?? ''}`,
    // A console log level from the config file (detail, debug) would be printed into the JSON.
    '--log-level-console=off',
    '--output=json',
    'info',
  ];
}

export async function readPgbackrest(source: BackupSourceConfig, signal: AbortSignal): Promise<SourceReading> {
  const command = source.command ?? PGBACKREST_DEFAULT_COMMAND;
  const output = await runJsonCommand({ command, args: pgbackrestArguments(source), timeoutMs: source.timeoutSeconds * 1000, signal });
  return parsePgbackrestInfo(output, source.stanza ?? '');
}

/** Turns parsed `info` output into a reading; throws BackupSourceError when it is not what pgBackRest prints. */
export function parsePgbackrestInfo(output: unknown, stanza: string): SourceReading {
  const list = infoSchema.safeParse(output);
  if (!list.success) throw new BackupSourceError('invalid_output', 'pgbackrest info did not print a JSON array of stanzas');
  const entry = list.data.find((s) => typeof s === 'object' && s !== null && (s as { name?: unknown }).name === stanza);
  if (entry === undefined) throw new BackupSourceError('invalid_output', `pgbackrest info did not list stanza "${stanza}"`);
  const parsed = stanzaSchema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupSourceError('invalid_output', `pgbackrest info for stanza "${stanza}" is not in the expected shape (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'})`);
  }
  const { status, backup } = parsed.data;
  if (UNREADABLE_STATUS_CODES.has(status.code)) {
    throw new BackupSourceError('stanza_error', `pgbackrest stanza "${stanza}": ${status.message || 'status code'} (status code ${status.code})`, {
      statusCode: status.code,
    });
  }

  const rejected = zeroCounts(REJECTION_REASONS);
  const backups: CompletedBackup[] = [];
  for (const b of backup) {
    if (b.error === true) {
      countInto(rejected, 'backup_error');
      continue;
    }
    // An unknown future type is listed but cannot satisfy any kind we report.
    backups.push({
      type: b.type,
      finishedAt: b.timestamp.stop,
      startedAt: b.timestamp.start,
      sizeBytes: b.info?.repository?.delta ?? b.info?.delta,
      verifiedAt: undefined,
    });
  }
  return {
    backups,
    coverage: COVERAGE,
    rejected,
    tracksVerification: false,
    statusCode: status.code,
    backupInProgress: status.lock?.backup?.held,
  };
}
