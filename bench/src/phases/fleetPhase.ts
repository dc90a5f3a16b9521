/** One Upkeep watching many separate PostgreSQL servers. */
import { join } from 'node:path';
import { startUpkeep } from '../exporters/upkeep.js';
import { readStatements, resetStatements } from '../measure/dbTime.js';
import { measureExporter } from '../measure/exporterFigures.js';
import type { BenchOptions } from '../options.js';
import { progress, timed } from '../progress.js';
import { summarize, upkeepFailures } from '../report/failures.js';
import type { FleetResult } from '../report/results.js';
import { buildFleet } from '../setup/fleet.js';
import { ROLES } from '../setup/roles.js';
import type { DbTime } from '../measure/dbTime.js';

export async function runFleetPhase(binDir: string, runDir: string, options: BenchOptions): Promise<FleetResult> {
  const { result: servers } = await timed(`fleet of ${options.fleetTargets} servers`, () => buildFleet(binDir, join(runDir, 'fleet'), options.fleetTargets));
  // Superuser DSNs of each server, to read and reset the exporter role's statements there.
  const adminDsns = servers.map((s) => `postgresql://postgres@127.0.0.1:${s.port}/postgres`);
  for (const dsn of adminDsns) await resetStatements(dsn, ROLES.upkeep);
  progress(`Upkeep with ${servers.length} targets: starting; waiting for every first pg_bloat run`);
  const upkeep = await startUpkeep('upkeep-fleet', { targets: servers.map((s) => ({ name: s.name, dsn: s.dsn })) }, runDir);
  const parts = await Promise.all(adminDsns.map((dsn) => readStatements(dsn, ROLES.upkeep)));
  const startupDb: DbTime = parts.reduce((a, b) => ({ calls: a.calls + b.calls, execMs: a.execMs + b.execMs, planMs: a.planMs + b.planMs }));
  const figures = await measureExporter(
    { label: `Upkeep, ${servers.length} targets`, metricsUrl: upkeep.metricsUrl, pid: upkeep.process.pid, role: ROLES.upkeep },
    adminDsns,
    options,
  );
  await upkeep.process.stop();
  return {
    targets: servers.length,
    figures,
    failures: summarize(upkeepFailures(figures.run.lastBody)),
    startup: { seconds: upkeep.firstScheduledSeconds, dbTime: startupDb },
  };
}
