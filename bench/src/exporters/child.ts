/**
 * An exporter under test as a child process of its own, so that its memory
 * is measured alone. Output goes to a log file in the run directory (for a
 * look after a failure) and its lines are kept for the caller to wait on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { onTeardown } from '../teardown.js';

const STOP_GRACE_MS = 10_000;

export class ExporterProcess {
  readonly lines: string[] = [];
  private readonly exited: Promise<void>;
  private readonly dropTeardown: () => void;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    const log = createWriteStream(logFile);
    let partial = '';
    const collect = (chunk: Buffer) => {
      log.write(chunk);
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', () => log.end(() => resolve())));
    this.dropTeardown = onTeardown(`stop ${label}`, () => this.stop());
  }

  /** `detached`: its own process group, so a Ctrl-C at the terminal reaches the bench, which stops it in order. */
  static start(label: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): ExporterProcess {
    const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ExporterProcess(label, child, logFile);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.label} did not start`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines of output, for an error message. */
  tail(count = 20): string {
    return this.lines.slice(-count).join('\n');
  }

  /** Waits until `matches` accepts an output line; fails if the process exits or `timeoutMs` passes. */
  async waitForLine(matches: (line: string) => boolean, what: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    while (Date.now() < deadline) {
      for (; seen < this.lines.length; seen++) if (matches(this.lines[seen]!)) return this.lines[seen]!;
      if (!this.running) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const why = this.running ? `not within ${timeoutMs / 1000} s` : `it exited (code ${this.child.exitCode})`;
    throw new Error(`${this.label}: no ${what}, ${why}; log ${this.logFile}:\n${this.tail()}`);
  }

  /** SIGTERM to its process group, SIGKILL after a grace period: a stop can never hang the bench. */
  async stop(): Promise<void> {
    this.dropTeardown();
    if (!this.running) return this.exited;
    const group = -this.pid;
    const kill = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // already gone
      }
    }, STOP_GRACE_MS);
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      // already gone
    }
    await this.exited;
    clearTimeout(kill);
  }
}
