/** A throwaway Redis server on a free 127.0.0.1 port, persisting nothing unless a test asks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../exporter/src/freePort.js';
import { isProcessAlive } from '../../exporter/src/demo/postmaster.js';
import { stopChild } from './processes.js';

const STOP_GRACE_MS = 10_000;

export class RedisServer {
  readonly host = '127.0.0.1';

  private constructor(
    readonly directory: string,
    readonly port: number,
    private process: ChildProcess | undefined,
    private readonly binary: string,
    private readonly extraArgs: string[],
  ) {}

  static async start(binary: string, directory: string, extraArgs: string[] = []): Promise<RedisServer> {
    await mkdir(directory, { recursive: true });
    const server = new RedisServer(directory, await freePort(), undefined, binary, extraArgs);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      this.binary,
      [
        '--port', String(this.port),
        '--bind', this.host,
        '--save', '',
        '--appendonly', 'no',
        '--dir', this.directory,
        '--logfile', join(this.directory, 'redis.log'),
        '--daemonize', 'no',
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    // Lets a later run clean up after a run that was killed before teardown.
    await writeFile(join(this.directory, 'redis.pid'), String(child.pid));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await ping(this.host, this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    const log = await readFile(join(this.directory, 'redis.log'), 'utf8').catch(() => '');
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${this.port}\n${log.slice(-2000)}`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    // Redis may ignore SIGTERM while it writes (its first AOF rewrite, for one).
    if (child) await stopChild(child, STOP_GRACE_MS);
  }
}

/** True when a Redis server answers PING on host:port. */
export function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/** Kills a Redis server left behind by a killed test run (its pid file is in `directory`). */
export async function killStaleRedis(directory: string): Promise<void> {
  const pid = Number(await readFile(join(directory, 'redis.pid'), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return;
  // The pid may have been reused since: only kill what is still a redis-server.
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (commandLine.includes('redis-server')) process.kill(pid, 'SIGKILL');
}
