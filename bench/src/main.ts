/**
 * `npm run bench`: builds the large instance, measures Upkeep and
 * postgres_exporter against it one after the other (never two exporters at
 * once: they share the machine's cores with PostgreSQL and the scrapers),
 * then one Upkeep against many servers, and prints one report. See
 * bench/README.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { postgresBinDir } from '../../test/harness/binaries.js';
import { unprivilegedUser } from '../../test/harness/processes.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { checkPostgresExporter } from './exporters/postgresExporter.js';
import { checkUpkeepBuilt } from './exporters/upkeep.js';
import { cpuBusyPercent } from './measure/cpuBusy.js';
import { REPO_ROOT } from './paths.js';
import { runFleetPhase } from './phases/fleetPhase.js';
import { runPostgresExporterPhase } from './phases/postgresExporterPhase.js';
import { runUpkeepPhase } from './phases/upkeepPhase.js';
import { elapsedSeconds, progress } from './progress.js';
import { describeEnvironment } from './report/environment.js';
import { renderReport } from './report/render.js';
import type { BenchResults } from './report/results.js';
import { createRunDirectory, removeDirectory } from './runDirectory.js';
import { APP_DATABASE, buildInstance, type Instance } from './setup/instance.js';
import { interrupted, onTeardown, teardown, teardownOnSignals } from './teardown.js';

const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results', 'latest.md');

async function run(options: BenchOptions): Promise<{ instance: Instance; runDir: string }> {
  await checkUpkeepBuilt();
  await checkPostgresExporter();
  // Before the bench adds load of its own.
  const cpuBusyBefore = await cpuBusyPercent(3_000);
  const binDir = await postgresBinDir();
  const runDir = await createRunDirectory();
  onTeardown('remove the run directory', () => removeDirectory(runDir), 'server');
  progress(`run directory ${runDir}; PostgreSQL binaries ${binDir}`);

  const instance = await buildInstance(binDir, runDir, options.tables, options.statements);
  const environment = await describeEnvironment(instance.primary.dsn(APP_DATABASE), cpuBusyBefore);
  const upkeep = await runUpkeepPhase(instance, runDir, options);
  const pgexpDefault = await runPostgresExporterPhase(instance, runDir, options, false);
  const pgexpQueries = await runPostgresExporterPhase(instance, runDir, options, true);
  const fleet = options.fleetTargets > 0 ? await runFleetPhase(binDir, runDir, options) : undefined;

  const results: BenchResults = {
    options,
    environment,
    setupSeconds: instance.setupSeconds,
    totalSeconds: elapsedSeconds(),
    upkeep: upkeep.result,
    upkeepStartup: upkeep.startup,
    collectorDurations: upkeep.durations,
    upkeepStatements: upkeep.statements,
    pgexpDefault,
    pgexpQueries,
    storm: upkeep.storm,
    ...(fleet ? { fleet } : {}),
  };
  const report = renderReport(results);
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(RESULTS_FILE, report);
  process.stdout.write(`\n${report}`);
  progress(`report written to ${RESULTS_FILE}`);
  return { instance, runDir };
}

async function printKept(instance: Instance, runDir: string): Promise<void> {
  const serverUser = await unprivilegedUser();
  const asServer = serverUser ? `runuser -u ${serverUser.user} -- ` : '';
  process.stdout.write(
    [
      '',
      'Kept running (--keep):',
      `  primary  ${instance.primary.dsn(APP_DATABASE)}`,
      `  standby  ${instance.standby.dsn(APP_DATABASE)}`,
      `  roles    bench_upkeep, bench_pgexp_default, bench_pgexp_queries, bench_workload (no password)`,
      `  files    ${runDir} (fleet servers, if any, under fleet/)`,
      `  stop     for d in ${runDir}/*/data ${runDir}/fleet/*/data; do [ -f "$d/postmaster.pid" ] && ${asServer}${instance.primary.binDir}/pg_ctl -D "$d" stop -m fast; done; rm -rf ${runDir}`,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  teardownOnSignals();
  try {
    const { instance, runDir } = await run(options);
    await teardown(options.keep);
    if (options.keep) await printKept(instance, runDir);
    return 0;
  } catch (err) {
    // After Ctrl-C the servers are going away under the running step; its error says nothing new.
    if (interrupted()) return 130;
    progress(`bench failed: ${(err as Error).stack ?? String(err)}`);
    await teardown(options.keep);
    return 1;
  }
}

process.exitCode = await main();
