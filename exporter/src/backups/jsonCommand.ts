/**
 * Runs a backup tool's listing command (`pgbackrest info`, `wal-g
 * backup-list`) and reads its JSON, without ever letting the tool stall the
 * exporter: asynchronous, bounded in time and output size, abortable.
 *
 * A repository on unreachable storage makes these tools hang (the classic
 * failure of backup exporters). The process handling (a process group
 * signalled on timeout or abort, settling without waiting for the pipes) is
 * childProcess.ts; this file turns its failures into source error reasons.
 */
import { oneLine, ProcessError, runProcess, type ProcessFailure } from '../childProcess.js';
import { BackupSourceError, type SourceErrorReason } from './sourceReading.js';

/** pgBackRest info for years of backups is a few MB; anything far beyond that is not a listing. */
const DEFAULT_MAX_STDOUT_BYTES = 32 * 1024 * 1024;

export interface CommandOptions {
  command: string;
  args: readonly string[];
  timeoutMs: number;
  /** Aborted when the collector run is out of time: stop at once. */
  signal: AbortSignal;
  maxStdoutBytes?: number;
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

const REASONS: Record<ProcessFailure, SourceErrorReason> = {
  not_found: 'command_not_found',
  not_permitted: 'command_not_found',
  spawn_failed: 'command_failed',
  exited: 'command_failed',
  timeout: 'timeout',
  aborted: 'aborted',
  output_limit: 'invalid_output',
  output_failed: 'invalid_output',
};

export async function runCommand(options: CommandOptions): Promise<CommandOutput> {
  const { command, args, timeoutMs, signal } = options;
  try {
    const output = await runProcess({
      command,
      args,
      timeoutMs,
      signal,
      stdout: { keepUpTo: options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES },
      abortReason: 'the collector run ran out of time',
    });
    return { stdout: output.stdout, stderr: output.stderrTail };
  } catch (err) {
    if (!(err instanceof ProcessError)) throw err;
    const message = err.failure === 'not_found' ? `${command}: not found (set the source's command to the tool's full path)` : err.message;
    throw new BackupSourceError(REASONS[err.failure], message, { cause: err.cause ?? err });
  }
}

/**
 * The parsed JSON a command printed; undefined when it printed nothing
 * (WAL-G's answer for an empty repository in some releases).
 */
export async function runJsonCommand(options: CommandOptions): Promise<unknown> {
  const { stdout } = await runCommand(options);
  return parseJsonOutput(stdout, options.command);
}

export function parseJsonOutput(text: string, producer: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    throw new BackupSourceError('invalid_output', `${producer} printed output that is not JSON: "${preview(trimmed)}"`);
  }
}

function preview(text: string): string {
  const flat = oneLine(text);
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}
