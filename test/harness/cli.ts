/**
 * The built `upkeep` command as a child process, the way operators run it.
 * `npm test` builds before testing; a missing build is reported as such.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withTimeout } from '../../exporter/src/timeout.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI_PATH = join(REPO_ROOT, 'exporter/dist/cli.js');

async function assertBuilt(): Promise<void> {
  await access(CLI_PATH).catch(() => {
    throw new Error(`${CLI_PATH} is missing: run "npm run build" first (npm test does)`);
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `upkeep <args>` to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<CliResult> {
  await assertBuilt();
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs, cwd: REPO_ROOT }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export type LogLine = Record<string, unknown> & { event?: string };

/** A long-running command (serve, demo, npm start): its log lines, and how it ends. */
export class RunningCommand {
  readonly logLines: LogLine[] = [];
  stderr = '';
  private stdoutBuffer = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutBuffer += chunk.toString();
      let newline: number;
      while ((newline = this.stdoutBuffer.indexOf('\n')) >= 0) {
        const line = this.stdoutBuffer.slice(0, newline);
        this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
        if (line.startsWith('{')) this.logLines.push(JSON.parse(line) as LogLine);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolvePromise) => child.once('exit', (code, signal) => resolvePromise({ code, signal })));
  }

  /** `upkeep <args>` in its own process group, so a test can deliver a terminal's Ctrl-C to all of it. */
  static async upkeep(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningCommand> {
    await assertBuilt();
    return RunningCommand.spawn(process.execPath, [CLI_PATH, ...args], env);
  }

  static spawn(command: string, args: string[], env: NodeJS.ProcessEnv = {}): RunningCommand {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new RunningCommand(child);
  }

  events(name: string): LogLine[] {
    return this.logLines.filter((l) => l.event === name);
  }

  /** Waits for a log line with `event`; fails early if the process exits first. */
  async waitForEvent(event: string, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.events(event)[0];
      if (found) return found;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no "${event}" log line (exit code ${this.child.exitCode}); stderr:\n${this.stderr}\nlog:\n${JSON.stringify(this.logLines, null, 1)}`);
  }

  /** Sends `signal` to the whole process group, as a terminal's Ctrl-C does, and waits for the exit. */
  async interrupt(signal: NodeJS.Signals = 'SIGINT', timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.pid !== undefined) process.kill(-this.child.pid, signal);
    return this.waitForExit(timeoutMs);
  }

  waitForExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return withTimeout(this.exited, timeoutMs);
  }

  /** For cleanup after a failed test: nothing may outlive the run. */
  kill(): void {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
