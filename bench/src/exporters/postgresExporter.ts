/**
 * postgres_exporter under test: Debian's prometheus-postgres-exporter
 * (0.11 on Debian 12), with its default collectors, or with the example
 * queries file the package ships added through --extend.query-path.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../../exporter/src/freePort.js';
import { ExporterProcess } from './child.js';
import { keepAliveAgent, scrape } from '../measure/scrape.js';

export const PGEXP_BINARY = process.env.BENCH_PGEXP_BINARY ?? '/usr/bin/prometheus-postgres-exporter';
export const PGEXP_QUERIES = process.env.BENCH_PGEXP_QUERIES ?? '/usr/share/doc/prometheus-postgres-exporter/examples/queries.yaml';

export interface RunningPostgresExporter {
  process: ExporterProcess;
  metricsUrl: string;
}

async function mustExist(path: string, what: string): Promise<void> {
  await access(path).catch(() => {
    throw new Error(`${what} not found at ${path}: install the Debian package "prometheus-postgres-exporter" (bench/system-packages.sh does)`);
  });
}

/** Before anything is built: a missing binary should not cost a minute of setup first. */
export async function checkPostgresExporter(): Promise<void> {
  await mustExist(PGEXP_BINARY, 'postgres_exporter');
  await mustExist(PGEXP_QUERIES, 'the example queries file');
}

/** `dsn` is a URL; lib/pq wants TLS unless told otherwise, and the bench's servers offer none. */
export async function startPostgresExporter(label: string, dsn: string, withQueries: boolean, workDir: string): Promise<RunningPostgresExporter> {
  await mustExist(PGEXP_BINARY, 'postgres_exporter');
  if (withQueries) await mustExist(PGEXP_QUERIES, 'the example queries file');
  const port = await freePort();
  const args = [`--web.listen-address=127.0.0.1:${port}`, '--log.level=info'];
  if (withQueries) args.push(`--extend.query-path=${PGEXP_QUERIES}`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_SOURCE_NAME: `${dsn}?sslmode=disable` };
  const child = ExporterProcess.start(label, PGEXP_BINARY, args, env, join(workDir, `${label}.log`));
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  await waitForListening(child, metricsUrl);
  return { process: child, metricsUrl };
}

/** It logs its listening line before the socket is bound on some versions: poll until a scrape answers. */
async function waitForListening(child: ExporterProcess, url: string): Promise<void> {
  const agent = keepAliveAgent();
  const deadline = Date.now() + 30_000;
  try {
    while (Date.now() < deadline) {
      if (!child.running) break;
      const result = await scrape(url, agent, 2);
      if (result.outcome === 'ok') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    agent.destroy();
  }
  throw new Error(`${child.label} did not answer on ${url}; log ${child.logFile}:\n${child.tail()}`);
}
