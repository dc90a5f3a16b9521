/**
 * The command runner against stand-in commands that hang, print garbage or
 * fail: it settles within its timeout, kills the whole process tree, and
 * turns every failure into a reason and a message an operator can act on.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../demo/postmaster.js';
import { runCommand, runJsonCommand } from './jsonCommand.js';
import { BackupSourceError } from './sourceReading.js';
import { rejectionOf } from '../../../test/harness/rejection.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/backups/', import.meta.url));
const standin = (name: string) => join(fixtures, 'standins', name);
const never = new AbortController().signal;

let scratch: string | undefined;

afterEach(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

const failureOf = (work: Promise<unknown>) => rejectionOf(work, BackupSourceError);

/** Starts hang.sh and returns the pids of the shell and its child once it wrote them. */
async function startHanging(run: (pidFile: string) => Promise<unknown>): Promise<{ outcome: Promise<unknown>; pids: number[] }> {
  scratch = await mkdtemp(join(tmpdir(), 'upkeep-command-'));
  const pidFile = join(scratch, 'hang.pids');
  const outcome = run(pidFile);
  let pids: number[] = [];
  const deadline = Date.now() + 5000;
  while (pids.length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    const text = await readFile(pidFile, 'utf8').catch(() => '');
    if (text.endsWith('\n')) pids = text.trim().split(' ').map(Number);
  }
  expect(pids).toHaveLength(2);
  return { outcome, pids };
}

/** Alive and not a zombie: an orphan killed with its parent waits for init to reap it, which may take a while. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return isProcessAlive(pid);
  // Fields after the parenthesised command name: state is the first.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function expectAllGone(pids: number[]): Promise<void> {
  const running = async () => (await Promise.all(pids.map(async (pid) => ((await isRunning(pid)) ? [pid] : [])))).flat();
  const deadline = Date.now() + 5000;
  while ((await running()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(await running()).toEqual([]);
}

describe('runCommand', () => {
  it('gives up on a hanging command at its timeout and kills it together with its children', async () => {
    const started = performance.now();
    const { outcome, pids } = await startHanging((pidFile) => runCommand({ command: standin('hang.sh'), args: [pidFile], timeoutMs: 700, signal: never }));
    const error = await failureOf(outcome);
    const elapsed = performance.now() - started;
    expect(error.reason).toBe('timeout');
    expect(error.message).toContain('did not finish within 0.7 s');
    // Settles at the deadline, not when the pipes close (the child holds stdout).
    expect(elapsed).toBeGreaterThanOrEqual(690);
    expect(elapsed).toBeLessThan(10_000); // far below the stand-in's hour of sleep, with room for a loaded machine
    await expectAllGone(pids);
  });

  it('stops at once when the collector run is aborted', async () => {
    const controller = new AbortController();
    const { outcome, pids } = await startHanging((pidFile) =>
      runCommand({ command: standin('hang.sh'), args: [pidFile], timeoutMs: 60_000, signal: controller.signal }),
    );
    const abortedAt = performance.now();
    controller.abort();
    const error = await failureOf(outcome);
    expect(performance.now() - abortedAt).toBeLessThan(500);
    expect(error.reason).toBe('aborted');
    await expectAllGone(pids);
  });

  it('does not start a command when the run is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failureOf(runCommand({ command: standin('hang.sh'), args: [], timeoutMs: 60_000, signal: controller.signal }));
    expect(error.reason).toBe('aborted');
  });

  it('reports a non-zero exit with the end of what the command wrote to stderr', async () => {
    const error = await failureOf(runCommand({ command: standin('fails.sh'), args: [], timeoutMs: 5000, signal: never }));
    expect(error.reason).toBe('command_failed');
    expect(error.message).toMatch(/fails\.sh exited with code 39: ERROR: \[039\]: unable to find primary cluster - cannot proceed HINT: are all available/);
  });

  it('reports a command that does not exist, with what to do about it', async () => {
    const error = await failureOf(runCommand({ command: '/nonexistent/pgbackrest', args: [], timeoutMs: 5000, signal: never }));
    expect(error.reason).toBe('command_not_found');
    expect(error.message).toBe("/nonexistent/pgbackrest: not found (set the source's command to the tool's full path)");
  });

  it('stops a command that prints more than a listing could be', async () => {
    const error = await failureOf(runCommand({ command: standin('garbage.sh'), args: [], timeoutMs: 5000, signal: never, maxStdoutBytes: 16 }));
    expect(error.reason).toBe('invalid_output');
    expect(error.message).toContain('printed more than 16 bytes');
  });
});

describe('runJsonCommand', () => {
  it('parses what the command printed', async () => {
    const output = await runJsonCommand({ command: 'cat', args: [join(fixtures, 'walg', 'backup-list-plain.json')], timeoutMs: 5000, signal: never });
    expect(Array.isArray(output) && output.length).toBe(2);
  });

  it('turns output that is not JSON into a clear error that quotes its start', async () => {
    const error = await failureOf(runJsonCommand({ command: standin('garbage.sh'), args: [], timeoutMs: 5000, signal: never }));
    expect(error.reason).toBe('invalid_output');
    expect(error.message).toMatch(/garbage\.sh printed output that is not JSON: "2025-01-02 03:04:05\.678 P00 INFO: info command begin/);
  });

  it('returns undefined when the command printed nothing', async () => {
    expect(await runJsonCommand({ command: 'true', args: [], timeoutMs: 5000, signal: never })).toBeUndefined();
  });
});
