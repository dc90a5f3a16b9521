/**
 * A throwaway Prometheus server (Debian's `prometheus` package) on a free
 * 127.0.0.1 port, with its TSDB in a directory of the test's own: for the
 * tests that need real scrapes, real rule evaluation or real PromQL answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../exporter/src/freePort.js';
import { MissingBinaryError } from './binaries.js';
import { stopChild } from './processes.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export class PrometheusServer {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly directory: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
  }

  /**
   * Starts Prometheus with `configYaml` as its configuration file (written
   * into `directory`, so relative `rule_files` resolve there) and waits until
   * it is ready.
   */
  static async start(directory: string, configYaml: string, binary = '/usr/bin/prometheus'): Promise<PrometheusServer> {
    await mkdir(directory, { recursive: true });
    const config = join(directory, 'prometheus.yml');
    await writeFile(config, configYaml);
    const port = await freePort();
    const child = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
    const server = new PrometheusServer(child, `http://127.0.0.1:${port}`, directory);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline && child.exitCode === null) {
      const failure = await Promise.race([spawnFailed, new Promise<undefined>((r) => setTimeout(r, 100, undefined))]);
      if (failure) {
        if ((failure as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingBinaryError('prometheus', 'prometheus');
        throw failure;
      }
      const ready = await fetch(`${server.url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return server;
    }
    await server.stop();
    throw new Error(`prometheus did not become ready on port ${port}:\n${server.output.slice(-2000)}`);
  }

  /** The last lines Prometheus printed (warnings and errors only). */
  get log(): string {
    return this.output;
  }

  /** An instant query; rejects with Prometheus' own error text. */
  async query(expr: string): Promise<PromSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
    if (body.data.resultType !== 'vector') throw new Error(`query ${expr} gave a ${body.data.resultType}, not a vector`);
    return body.data.result;
  }

  /** Re-reads the configuration and rule files (`--web.enable-lifecycle`). */
  async reload(): Promise<void> {
    const response = await fetch(`${this.url}/-/reload`, { method: 'POST' });
    if (!response.ok) throw new Error(`prometheus reload answered ${response.status}: ${await response.text()}`);
  }

  stop(): Promise<void> {
    return stopChild(this.child, STOP_GRACE_MS);
  }


  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-20_000);
  }
}
