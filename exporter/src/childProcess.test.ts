/**
 * The process runner's streaming mode, as the backup action uses it: output
 * into a sink with backpressure, done only once the sink is, and a failing
 * sink (a full disk) stops the tool instead of letting it write on.
 * The kept-output mode is covered through runCommand (backups/jsonCommand.test.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/harness/rejection.js';
import { ProcessError, runProcess } from './childProcess.js';
import { isProcessAlive } from './demo/postmaster.js';

const never = new AbortController().signal;
let scratch: string | undefined;

afterEach(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  finishedAt: number | undefined;

  constructor(private readonly finalDelayMs = 0) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk);
    callback();
  }

  override _final(callback: () => void): void {
    setTimeout(() => {
      this.finishedAt = performance.now();
      callback();
    }, this.finalDelayMs);
  }
}

describe('runProcess into a sink', () => {
  it('streams all of stdout and settles only after the sink has finished', async () => {
    const sink = new Collector(200);
    const output = await runProcess({ command: 'seq', args: ['1', '100000'], signal: never, stdout: { sink } });
    const settledAt = performance.now();
    expect(output.stdout).toBe('');
    const text = Buffer.concat(sink.chunks).toString('utf8');
    expect(text.split('\n')).toHaveLength(100_001);
    expect(sink.finishedAt).toBeDefined();
    expect(settledAt).toBeGreaterThanOrEqual(sink.finishedAt ?? Infinity);
  });

  it('stops the tool when the sink fails, and says so', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'upkeep-process-'));
    const pidFile = join(scratch, 'pid');
    const failing = new Writable({
      write: (_chunk, _encoding, callback) => callback(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })),
    });
    const error = await rejectionOf(
      runProcess({ command: 'sh', args: ['-c', `echo $$ > ${pidFile}; exec yes`], signal: never, stdout: { sink: failing } }),
      ProcessError,
    );
    expect(error.failure).toBe('output_failed');
    expect(error.message).toBe('writing the output of sh failed: ENOSPC: no space left on device');
    const pid = Number(await readFile(pidFile, 'utf8'));
    const deadline = Date.now() + 5000;
    while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('passes the environment it is given, and only that', async () => {
    const output = await runProcess({ command: '/usr/bin/env', args: [], env: { ONLY: 'this' }, signal: never });
    expect(output.stdout.trim()).toBe('ONLY=this');
  });
});
