/**
 * `upkeep demo` (and `upkeep serve` with no configuration): an embedded
 * PostgreSQL with a demo database and workload, and the exporter against it.
 * One command, real metrics, nothing to install or configure.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { actions } from '../actions/index.js';
import { catalogOf, collectors } from '../collectors/index.js';
import { validateConfig } from '../config/load.js';
import { formatProblem } from '../config/problems.js';
import { DEFAULT_LISTEN } from '../config/schema.js';
import { startExporter, type RunningExporter } from '../exporter.js';
import type { Logger, LogLevel } from '../log.js';
import { createDemoDatabase } from './demoDatabase.js';
import { startEmbeddedPostgres } from './embeddedPostgres.js';
import { startWorkload } from './workload.js';

export interface DemoOptions {
  listen?: string;
  logLevel: LogLevel;
  log: Logger;
}

/** The demo's admin token comes from here; one is generated when it is unset. */
export const DEMO_TOKEN_ENV = 'UPKEEP_DEMO_TOKEN';

export interface RunningDemo {
  exporter: RunningExporter;
  /** Bearer token (admin) for the demo's action API. */
  token: string;
  close(): Promise<void>;
}

export async function startDemo({ listen = DEFAULT_LISTEN, logLevel, log }: DemoOptions): Promise<RunningDemo> {
  log.info('demo.starting', { note: 'embedded PostgreSQL with a demo database; pass --config FILE to monitor your own servers' });
  const cluster = await startEmbeddedPostgres(log);
  const cleanups: (() => Promise<void>)[] = [() => cluster.stop()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => log.warn('demo.cleanup_failed', { error }));
    }
    cleanups.length = 0;
  };

  try {
    const database = await createDemoDatabase(cluster);
    const backupDirectory = join(dirname(cluster.dataDirectory), 'backups');
    await mkdir(backupDirectory, { recursive: true });
    // Actions need a token: without one the API is read-only.
    const token = process.env[DEMO_TOKEN_ENV] || randomBytes(24).toString('base64url');
    process.env[DEMO_TOKEN_ENV] = token;
    const validated = await validateConfig(
      {
        listen,
        logLevel,
        // The demo tables are small: every one gets its own per-table series.
        postgres: [{ name: 'demo', dsn: database.monitorDsn, tables: { minSizeBytes: 0 } }],
        backups: [{ name: 'demo-dumps', target: 'demo', kind: 'dump-dir', path: backupDirectory }],
        state: { dsn: database.stateDsn },
        auth: { tokens: [{ name: 'demo-admin', tokenEnv: DEMO_TOKEN_ENV, role: 'admin' }] },
      },
      { collectors: catalogOf(collectors), actions },
    );
    if (!validated.ok) {
      throw new Error(`demo configuration is invalid: ${validated.problems.map((p) => formatProblem(p)).join('; ')}`);
    }
    const exporter = await startExporter({ config: validated.config, log });
    cleanups.push(() => exporter.close());
    const workload = startWorkload(database.workloadDsn, log);
    cleanups.push(() => workload.stop());

    await exporter.jobs.ready();
    log.info('demo.ready', {
      metrics: `${exporter.url}/metrics`,
      actions: `${exporter.url}/api/v1/actions`,
      backups: backupDirectory,
      postgres: `${cluster.host}:${cluster.port}`,
      database: 'shop',
      dataDirectory: cluster.dataDirectory,
    });
    return { exporter, token, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
