/**
 * Runs a backup tool's listing command (`pgbackrest info`, `wal-g
 * backup-list`) and reads its JSON, without ever letting the tool stall the
 * exporter: asynchronous, bounded in time and output size, abortable.
 *
 * A repository on unreachable storage makes these tools hang (the classic
 * failure of backup exporters). On timeout or abort the whole process group
 * is signalled — a wrapper script's children would otherwise keep stdout
 * open — and the promise settles at once instead of waiting for the pipes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BackupSourceError } from './sourceReading.js';

/** pgBackRest info for years of backups is a few MB; anything far beyond that is not a listing. */
const DEFAULT_MAX_STDOUT_BYTES = 32 * 1024 * 1024;
/** Enough of stderr to say what went wrong, not a whole debug log. */
const STDERR_TAIL_CHARS = 2000;
/** Time between SIGTERM (lets the tool release its locks) and SIGKILL. */
const KILL_GRACE_MS = 2000;

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

export function runCommand(options: CommandOptions): Promise<CommandOutput> {
  const { command, args, timeoutMs, signal } = options;
  const maxStdoutBytes = options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES;
  return new Promise<CommandOutput>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortedError(command));
      return;
    }
    let child: ChildProcess;
    try {
      // detached: the child leads a process group of its own, so one signal reaches its children too.
      child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      reject(new BackupSourceError('command_not_found', `${command}: cannot be started: ${(err as Error).message}`, { cause: err }));
      return;
    }

    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = '';
    let closed = false;
    let settled = false;

    const settle = (error: BackupSourceError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (!error) {
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: stderrTail });
        return;
      }
      if (!closed) stopProcessGroup(child, () => closed);
      // Do not wait for pipes that a stuck grandchild may hold open.
      child.stdout?.destroy();
      child.stderr?.destroy();
      reject(error);
    };

    const timer = setTimeout(() => {
      settle(new BackupSourceError('timeout', `${command} did not finish within ${formatSeconds(timeoutMs)} s; stopped it`));
    }, timeoutMs);
    const onAbort = (): void => settle(abortedError(command));
    signal.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdoutBytes) {
        settle(new BackupSourceError('invalid_output', `${command} printed more than ${maxStdoutBytes} bytes; stopped it`));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      settle(spawnError(command, err));
    });
    child.on('close', (code, signalName) => {
      closed = true;
      if (code === 0) {
        settle(undefined);
        return;
      }
      const how = code === null ? `was killed by ${signalName ?? 'a signal'}` : `exited with code ${code}`;
      const detail = oneLine(stderrTail);
      settle(new BackupSourceError('command_failed', `${command} ${how}${detail ? `: ${detail}` : ' (no error output)'}`));
    });
  });
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

function stopProcessGroup(child: ChildProcess, hasClosed: () => boolean): void {
  signalGroup(child, 'SIGTERM');
  const escalate = setTimeout(() => {
    if (!hasClosed()) signalGroup(child, 'SIGKILL');
  }, KILL_GRACE_MS);
  // Shutdown must not wait for this timer.
  escalate.unref();
}

function signalGroup(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // A negative pid addresses the process group the detached child leads.
    process.kill(-child.pid, name);
  } catch {
    // The group is gone already; signal the child alone in case it never made one.
    child.kill(name);
  }
}

function spawnError(command: string, err: NodeJS.ErrnoException): BackupSourceError {
  if (err.code === 'ENOENT') {
    return new BackupSourceError('command_not_found', `${command}: not found (set the source's command to the tool's full path)`, { cause: err });
  }
  if (err.code === 'EACCES') {
    return new BackupSourceError('command_not_found', `${command}: permission denied (not executable by the exporter's user)`, { cause: err });
  }
  return new BackupSourceError('command_failed', `${command}: ${err.message}`, { cause: err });
}

function abortedError(command: string): BackupSourceError {
  return new BackupSourceError('aborted', `${command} was stopped: the collector run ran out of time`);
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function preview(text: string): string {
  const flat = oneLine(text);
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}
