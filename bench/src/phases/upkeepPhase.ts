/**
 * Upkeep against the large instance: start-up cost, the side-by-side
 * figures, per-collector durations, then the storm on the same process.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startUpkeep } from '../exporters/upkeep.js';
import { collectorModes, CollectorDurations } from '../measure/collectorDurations.js';
import { costliestStatements, readStatements, resetStatements, type StatementCost } from '../measure/dbTime.js';
import { measureExporter } from '../measure/exporterFigures.js';
import { memoryOf } from '../measure/rss.js';
import { storm } from '../measure/storm.js';
import type { BenchOptions } from '../options.js';
import { progress } from '../progress.js';
import { summarize, upkeepFailures } from '../report/failures.js';
import type { CollectorDuration, ExporterResult, StormResult, UpkeepStartup } from '../report/results.js';
import { APP_DATABASE, type Instance } from '../setup/instance.js';
import { ROLES } from '../setup/roles.js';

export interface UpkeepPhase {
  result: ExporterResult;
  startup: UpkeepStartup;
  durations: CollectorDuration[];
  /** Its statements over the measured scrapes, costliest first. */
  statements: StatementCost[];
  storm: StormResult;
}

const TARGET = 'main';

export async function runUpkeepPhase(instance: Instance, runDir: string, options: BenchOptions): Promise<UpkeepPhase> {
  const adminDsn = instance.primary.dsn(APP_DATABASE);
  // An empty dump directory: the backups family then has a source to report on (no backup yet), as a configured one would.
  const dumpDir = join(runDir, 'dumps');
  await mkdir(dumpDir, { recursive: true });

  await resetStatements(adminDsn, ROLES.upkeep);
  progress('Upkeep: starting; waiting for its first scheduled runs');
  const upkeep = await startUpkeep(
    'upkeep',
    { targets: [{ name: TARGET, dsn: instance.primary.dsn(APP_DATABASE, ROLES.upkeep) }], dumpDirs: { [TARGET]: dumpDir } },
    runDir,
  );
  const startup = { seconds: upkeep.firstScheduledSeconds, dbTime: await readStatements(adminDsn, ROLES.upkeep) };
  progress(`Upkeep: first scheduled runs over after ${startup.seconds.toFixed(1)} s`);

  const startedLine = upkeep.process.lines.find((l) => l.includes('"exporter.started"')) ?? '{}';
  const durations = new CollectorDurations(TARGET, collectorModes(startedLine));
  const figures = await measureExporter(
    { label: 'Upkeep', metricsUrl: upkeep.metricsUrl, pid: upkeep.process.pid, role: ROLES.upkeep },
    [adminDsn],
    options,
    (body) => durations.add(body),
  );
  // Read before the storm adds its own statements.
  const statements = await costliestStatements(adminDsn, ROLES.upkeep, 10);

  progress(`Upkeep: storm, ${options.stormScrapers} scrapers for ${options.stormSeconds} s`);
  const stormRun = await storm(upkeep.metricsUrl, options.stormScrapers, options.stormSeconds);
  const memoryAfter = await memoryOf(upkeep.process.pid);
  await upkeep.process.stop();

  return {
    result: { name: 'Upkeep', figures, failures: summarize(upkeepFailures(figures.run.lastBody)), notes: [] },
    startup,
    durations: durations.summary(),
    statements,
    storm: { run: stormRun, memoryAfter },
  };
}
