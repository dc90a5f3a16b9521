/**
 * Runs an external tool (pgbackrest, wal-g, pg_dump, pg_restore) as a child
 * process, without a shell, and never lets it outlive its purpose:
 * asynchronous, optionally bounded in time, abortable, its output either
 * kept (bounded) or streamed into a sink with backpressure.
 *
 * The child leads a process group of its own; on timeout or abort the whole
 * group is signalled — a wrapper script's children would otherwise keep
 * running and keep stdout open — and the promise settles at once instead of
 * waiting for pipes a stuck grandchild may hold.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Output beyond this is not what the caller asked for (a listing, a version line). */
const DEFAULT_MAX_STDOUT_BYTES = 32 * 1024 * 1024;
/** Enough of stderr to say what went wrong, not a whole debug log. */
const STDERR_TAIL_CHARS = 2000;
/** Time between SIGTERM (lets the tool release its locks and sessions) and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** How a run failed; callers map it onto their own reasons (a collector's label, an API code). */
export type ProcessFailure =
  /** The executable does not exist. */
  | 'not_found'
  /** The executable exists but the exporter's user may not run it. */
  | 'not_permitted'
  | 'spawn_failed'
  /** Non-zero exit or killed by a signal; the message carries the end of stderr. */
  | 'exited'
  | 'timeout'
  | 'aborted'
  /** More stdout than `keepUpTo` allows. */
  | 'output_limit'
  /** The sink stdout was streamed into failed (a full disk). */
  | 'output_failed';

export class ProcessError extends Error {
  constructor(
    readonly failure: ProcessFailure,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProcessError';
  }
}

export interface ProcessOptions {
  command: string;
  args: readonly string[];
  /** The child's whole environment; the exporter's own when absent. */
  env?: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Stop the tool after this long; no limit when absent (a dump may take hours; the signal ends it). */
  timeoutMs?: number;
  /** Kept in memory up to `keepUpTo` bytes (the default), or streamed into `sink`, which the caller owns. */
  stdout?: { keepUpTo: number } | { sink: Writable };
  /** Why an abort stopped the tool, for the error: "the collector run ran out of time", "the job was cancelled". */
  abortReason?: string;
}

export interface ProcessOutput {
  /** What the tool printed; empty when stdout went into a sink. */
  stdout: string;
  stderrTail: string;
}

export function runProcess(options: ProcessOptions): Promise<ProcessOutput> {
  const { command, args, timeoutMs, signal } = options;
  const stdoutMode = options.stdout ?? { keepUpTo: DEFAULT_MAX_STDOUT_BYTES };
  const aborted = () => new ProcessError('aborted', `${command} was stopped: ${options.abortReason ?? 'it was aborted'}`);
  return new Promise<ProcessOutput>((resolve, reject) => {
    if (signal.aborted) {
      reject(aborted());
      return;
    }
    let child: ChildProcess;
    try {
      // detached: the child leads a process group of its own, so one signal reaches its children too.
      child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: options.env });
    } catch (err) {
      reject(new ProcessError('spawn_failed', `${command}: cannot be started: ${(err as Error).message}`, { cause: err }));
      return;
    }

    const kept: Buffer[] = [];
    let keptBytes = 0;
    let stderrTail = '';
    let closed = false;
    let exitedCleanly = false;
    // Streamed output is complete only once the sink has finished, which may be after the child closed.
    let sinkFinished = !('sink' in stdoutMode);
    let settled = false;

    const settle = (error: ProcessError | undefined): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (!error) {
        resolve({ stdout: Buffer.concat(kept).toString('utf8'), stderrTail });
        return;
      }
      if (!closed) stopProcessGroup(child, () => closed);
      // Do not wait for pipes that a stuck grandchild may hold open.
      child.stdout?.destroy();
      child.stderr?.destroy();
      reject(error);
    };
    const settleIfComplete = (): void => {
      if (exitedCleanly && sinkFinished) settle(undefined);
    };

    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            settle(new ProcessError('timeout', `${command} did not finish within ${formatSeconds(timeoutMs)} s; stopped it`));
          }, timeoutMs);
    const onAbort = (): void => settle(aborted());
    signal.addEventListener('abort', onAbort, { once: true });

    if ('sink' in stdoutMode) {
      if (child.stdout) {
        pipeline(child.stdout, stdoutMode.sink).then(
          () => {
            sinkFinished = true;
            settleIfComplete();
          },
          (err: unknown) => {
            // After a settled failure the pipeline breaks too; that is not news.
            if (!settled) settle(new ProcessError('output_failed', `writing the output of ${command} failed: ${(err as Error).message}`, { cause: err }));
          },
        );
      }
    } else {
      child.stdout?.on('data', (chunk: Buffer) => {
        keptBytes += chunk.length;
        if (keptBytes > stdoutMode.keepUpTo) {
          settle(new ProcessError('output_limit', `${command} printed more than ${stdoutMode.keepUpTo} bytes; stopped it`));
          return;
        }
        kept.push(chunk);
      });
    }
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      settle(spawnError(command, err));
    });
    child.on('close', (code, signalName) => {
      closed = true;
      if (code === 0) {
        exitedCleanly = true;
        settleIfComplete();
        return;
      }
      const how = code === null ? `was killed by ${signalName ?? 'a signal'}` : `exited with code ${code}`;
      const detail = oneLine(stderrTail);
      settle(new ProcessError('exited', `${command} ${how}${detail ? `: ${detail}` : ' (no error output)'}`));
    });
  });
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

function spawnError(command: string, err: NodeJS.ErrnoException): ProcessError {
  if (err.code === 'ENOENT') return new ProcessError('not_found', `${command}: not found`, { cause: err });
  if (err.code === 'EACCES') return new ProcessError('not_permitted', `${command}: permission denied (not executable by the exporter's user)`, { cause: err });
  return new ProcessError('spawn_failed', `${command}: ${err.message}`, { cause: err });
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
