/** postgres_exporter against the large instance, with or without the shipped example queries. */
import { startPostgresExporter } from '../exporters/postgresExporter.js';
import { measureExporter } from '../measure/exporterFigures.js';
import type { BenchOptions } from '../options.js';
import { progress } from '../progress.js';
import { postgresExporterFailures } from '../report/failures.js';
import type { ExporterResult } from '../report/results.js';
import { APP_DATABASE, type Instance } from '../setup/instance.js';
import { ROLES } from '../setup/roles.js';

export async function runPostgresExporterPhase(instance: Instance, runDir: string, options: BenchOptions, withQueries: boolean): Promise<ExporterResult> {
  const name = withQueries ? 'postgres_exporter + queries' : 'postgres_exporter default';
  const role = withQueries ? ROLES.pgexpQueries : ROLES.pgexpDefault;
  progress(`${name}: starting`);
  const exporter = await startPostgresExporter(withQueries ? 'pgexp-queries' : 'pgexp-default', instance.primary.dsn(APP_DATABASE, role), withQueries, runDir);
  const adminDsn = instance.primary.dsn(APP_DATABASE);
  const figures = await measureExporter({ label: name, metricsUrl: exporter.metricsUrl, pid: exporter.process.pid, role }, [adminDsn], options);
  await exporter.process.stop();
  return { name, figures, ...postgresExporterFailures(figures.run.lastBody, exporter.process.lines) };
}
