/**
 * `upkeep demo` (and `upkeep serve` with no configuration): an embedded
 * PostgreSQL with a demo database and workload, and the exporter against it.
 * One command, real metrics, nothing to install or configure.
 */
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

export interface RunningDemo {
  exporter: RunningExporter;
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
    const validated = await validateConfig(
      // The demo tables are small: every one gets its own per-table series.
      { listen, logLevel, postgres: [{ name: 'demo', dsn: database.monitorDsn, tables: { minSizeBytes: 0 } }] },
      { collectors: catalogOf(collectors) },
    );
    if (!validated.ok) {
      throw new Error(`demo configuration is invalid: ${validated.problems.map((p) => formatProblem(p)).join('; ')}`);
    }
    const exporter = await startExporter({ config: validated.config, log });
    cleanups.push(() => exporter.close());
    const workload = startWorkload(database.workloadDsn, log);
    cleanups.push(() => workload.stop());

    log.info('demo.ready', {
      metrics: `${exporter.url}/metrics`,
      postgres: `${cluster.host}:${cluster.port}`,
      database: 'shop',
      dataDirectory: cluster.dataDirectory,
    });
    return { exporter, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
