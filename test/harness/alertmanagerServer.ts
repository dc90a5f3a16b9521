/**
 * A throwaway Alertmanager (Debian's `prometheus-alertmanager` package) on a
 * free 127.0.0.1 port, clustering off, its state in a directory of the
 * test's own: for maintenance silences and for the end-to-end alert path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../exporter/src/freePort.js';
import { alertmanagerBinary } from './binaries.js';
import { stopChild } from './processes.js';

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5000;

/** Routes everything nowhere: enough for silences. */
export const NULL_ROUTE_CONFIG = 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n';

export interface Silence {
  id: string;
  status: { state: 'active' | 'pending' | 'expired' };
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
}

export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}

export class AlertmanagerServer {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
  }

  /** Starts Alertmanager with `configYaml` (written into `directory`) and waits until it is ready. */
  static async start(directory: string, configYaml = NULL_ROUTE_CONFIG): Promise<AlertmanagerServer> {
    const binary = await alertmanagerBinary();
    await mkdir(directory, { recursive: true });
    const config = join(directory, 'alertmanager.yml');
    await writeFile(config, configYaml);
    const port = await freePort();
    const child = spawn(
      binary,
      [`--config.file=${config}`, `--storage.path=${join(directory, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new AlertmanagerServer(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline && child.exitCode === null) {
      const ready = await fetch(`${server.url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return server;
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.stop();
    throw new Error(`alertmanager did not become ready on port ${port}:\n${server.output.slice(-2000)}`);
  }

  /** What Alertmanager printed (its log), the last 20 000 characters. */
  get log(): string {
    return this.output;
  }

  async silences(): Promise<Silence[]> {
    return this.get<Silence[]>('/api/v2/silences');
  }

  async silence(id: string): Promise<Silence | undefined> {
    return (await this.silences()).find((s) => s.id === id);
  }

  /** The alerts Alertmanager holds now (active, silenced or inhibited). */
  async alerts(): Promise<ActiveAlert[]> {
    return this.get<ActiveAlert[]>('/api/v2/alerts');
  }

  stop(): Promise<void> {
    return stopChild(this.child, STOP_GRACE_MS);
  }


  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return (await response.json()) as T;
  }

  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-20_000);
  }
}
