/**
 * What tests use from the harness: the shared servers, scratch clusters of
 * their own, an in-process exporter, scrapes and promtool.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { catalogOf, collectors as registeredCollectors } from '../../exporter/src/collectors/index.js';
import { actions as registeredActions } from '../../exporter/src/actions/index.js';
import type { AnyAction } from '../../exporter/src/actions/types.js';
import type { Collector } from '../../exporter/src/collectors/types.js';
import { validateConfig } from '../../exporter/src/config/load.js';
import { formatProblem } from '../../exporter/src/config/problems.js';
import type { PostgresTargetConfig } from '../../exporter/src/config/types.js';
import { startExporter, type RunningExporter } from '../../exporter/src/exporter.js';
import { createLogger, type Logger } from '../../exporter/src/log.js';
import { parseMetrics, type ParsedMetrics } from './metricsText.js';
import { makeServerOwnedDirectory, PostgresCluster, removeDirectory } from './postgresCluster.js';
import type { HarnessInfo } from './types.js';

export { parseMetrics, type ParsedMetrics } from './metricsText.js';
export { makeServerOwnedDirectory, PostgresCluster, queryOnce } from './postgresCluster.js';

export function harness(): HarnessInfo {
  return inject('harness');
}

/** A fresh directory under the run directory, owned by the PostgreSQL server user when `ownedByServer`. */
export async function temporaryDirectory(prefix: string, ownedByServer = false): Promise<string> {
  const dir = await mkdtemp(join(harness().runDir, prefix));
  if (ownedByServer) await makeServerOwnedDirectory(dir);
  return dir;
}

/** A cluster of the test's own (for tests that stop or break it); stop it with `destroy()`. */
export async function createScratchPrimary(
  name: string,
  settings: Record<string, string | number | boolean> = {},
): Promise<PostgresCluster & { destroy(): Promise<void> }> {
  const info = harness();
  const directory = await mkdtemp(join(info.runDir, `scratch-${name}-`));
  const cluster = await PostgresCluster.createPrimary(info.postgresBinDir, { directory, settings });
  return Object.assign(cluster, {
    destroy: async () => {
      if (await cluster.isRunning()) await cluster.stop('immediate');
      await removeDirectory(directory);
    },
  });
}

/** Log lines captured from an in-process exporter. */
export interface CapturedLog {
  log: Logger;
  lines: Record<string, unknown>[];
  events(name: string): Record<string, unknown>[];
}

export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines, events: (name) => lines.filter((l) => l.event === name) };
}

export interface TestExporter extends RunningExporter {
  captured: CapturedLog;
  scrape(options?: ScrapeOptions): Promise<Scrape>;
}

/** A postgres target's configuration as the loader produces it (defaults filled in) from the fields given. */
export async function postgresTargetConfig(fields: Record<string, unknown>): Promise<PostgresTargetConfig> {
  const result = await validateConfig({ postgres: [fields] }, { collectors: catalogOf(registeredCollectors) });
  if (!result.ok) throw new Error(`test target config invalid: ${result.problems.map((p) => formatProblem(p)).join('; ')}`);
  return result.config.postgres[0]!;
}

/** An exporter in this process on a free port, from a config object (validated like a file). */
export async function startTestExporter(
  configInput: Record<string, unknown>,
  options: { collectors?: readonly Collector[]; actions?: readonly AnyAction[] } = {},
): Promise<TestExporter> {
  const collectors = options.collectors ?? registeredCollectors;
  const result = await validateConfig({ listen: '127.0.0.1:0', ...configInput }, { collectors: catalogOf(collectors), actions: options.actions ?? registeredActions });
  if (!result.ok) throw new Error(`test config invalid: ${result.problems.map((p) => formatProblem(p)).join('; ')}`);
  const captured = captureLog();
  const exporter = await startExporter({ config: result.config, log: captured.log, collectors, ...(options.actions ? { actions: options.actions } : {}) });
  return Object.assign(exporter, { captured, scrape: (o?: ScrapeOptions) => scrape(exporter.url, o) });
}

export interface ScrapeOptions {
  accept?: string;
  /** Sent as X-Prometheus-Scrape-Timeout-Seconds. */
  timeoutSeconds?: number;
}

export interface Scrape {
  status: number;
  contentType: string;
  text: string;
  metrics: ParsedMetrics;
  elapsedMs: number;
}

export async function scrape(baseUrl: string, options: ScrapeOptions = {}): Promise<Scrape> {
  const headers: Record<string, string> = {};
  if (options.accept) headers.Accept = options.accept;
  if (options.timeoutSeconds !== undefined) headers['X-Prometheus-Scrape-Timeout-Seconds'] = String(options.timeoutSeconds);
  const started = performance.now();
  const response = await fetch(`${baseUrl}/metrics`, { headers });
  const text = await response.text();
  const elapsedMs = performance.now() - started;
  const contentType = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    contentType,
    text,
    metrics: contentType.startsWith('text/plain') || contentType.startsWith('application/openmetrics-text') ? parseMetrics(text) : parseMetrics(''),
    elapsedMs,
  };
}

/** `promtool check metrics` on an exposition: its exit code and what it printed. */
export function promtoolCheckMetrics(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(harness().promtool, ['check', 'metrics'], (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`promtool did not run: ${error.message}`));
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(text);
  });
}

/** Polls `check` until it returns true, or fails with `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
