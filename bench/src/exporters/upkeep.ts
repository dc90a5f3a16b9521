/**
 * Upkeep under test: the built CLI (exporter/dist/cli.js) with a config file
 * of the bench's own, every collector at its default. It logs at debug level
 * only to see its scheduled collectors' `collector.refreshed` lines (the
 * scrape path logs nothing at debug unless something fails).
 */
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../../exporter/src/freePort.js';
import { REPO_ROOT } from '../paths.js';
import { ExporterProcess } from './child.js';
import { shippedNodeFlags } from './nodeFlags.js';

export const UPKEEP_CLI = join(REPO_ROOT, 'exporter/dist/cli.js');

export interface UpkeepTarget {
  name: string;
  dsn: string;
}

export interface UpkeepConfig {
  targets: readonly UpkeepTarget[];
  /** dump-dir backup sources: target name → directory (so the backups family has a source to report on). */
  dumpDirs?: Readonly<Record<string, string>>;
}

export interface RunningUpkeep {
  process: ExporterProcess;
  metricsUrl: string;
  /** Seconds from start until the first scheduled runs were over (every target's pg_bloat, then no run ending for 2 s). */
  firstScheduledSeconds: number;
}

interface LogLine {
  event?: string;
  collector?: string;
  target?: string;
}

function parseLine(line: string): LogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}

function configFile(config: UpkeepConfig, port: number): Record<string, unknown> {
  return {
    listen: `127.0.0.1:${port}`,
    postgres: config.targets.map((t) => ({ name: t.name, dsn: t.dsn })),
    backups: Object.entries(config.dumpDirs ?? {}).map(([target, path]) => ({ name: `${target}-dumps`, target, kind: 'dump-dir', path })),
  };
}

export async function checkUpkeepBuilt(): Promise<void> {
  await access(UPKEEP_CLI).catch(() => {
    throw new Error(`${UPKEEP_CLI} is missing: run "npm run build" first (npm run bench does)`);
  });
}

export async function startUpkeep(label: string, config: UpkeepConfig, workDir: string): Promise<RunningUpkeep> {
  await checkUpkeepBuilt();
  const port = await freePort();
  // JSON is YAML: the loader reads it as it reads any config file.
  const file = join(workDir, `${label}.yml`);
  await writeFile(file, JSON.stringify(configFile(config, port), null, 2));
  const started = performance.now();
  const child = ExporterProcess.start(
    label,
    process.execPath,
    [...(await shippedNodeFlags()), UPKEEP_CLI, 'serve', '--config', file, '--log-level', 'debug'],
    { ...process.env, UPKEEP_CONFIG: '' },
    join(workDir, `${label}.log`),
  );
  await child.waitForLine((l) => parseLine(l)?.event === 'exporter.started', 'exporter.started log line', 60_000);
  await waitForFirstBloatRuns(child, config.targets, 30 * 60_000);
  await waitForQuiet(child, 2_000, 60_000);
  return { process: child, metricsUrl: `http://127.0.0.1:${port}/metrics`, firstScheduledSeconds: (performance.now() - started) / 1000 };
}

function isRunEnd(parsed: LogLine | undefined): boolean {
  return parsed?.event === 'collector.refreshed' || parsed?.event === 'collector.failed';
}

/**
 * The other scheduled collectors start with pg_bloat and are quicker, but
 * with many targets some may still be running: wait until no run has ended
 * for `quietMs` (at most `maxMs`, then measure anyway).
 */
async function waitForQuiet(child: ExporterProcess, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let seen = child.lines.length;
  let lastEnd = Date.now();
  while (Date.now() < deadline && Date.now() - lastEnd < quietMs) {
    await new Promise((r) => setTimeout(r, 100));
    for (; seen < child.lines.length; seen++) if (isRunEnd(parseLine(child.lines[seen]!))) lastEnd = Date.now();
  }
}

/**
 * pg_bloat is the scheduled collector whose first run takes longest (it
 * reads every database's catalog). Until it has ended for every target, the
 * exporter is still doing start-up work that must not be measured as
 * scraping.
 */
async function waitForFirstBloatRuns(child: ExporterProcess, targets: readonly UpkeepTarget[], timeoutMs: number): Promise<void> {
  const pending = new Set(targets.map((t) => t.name));
  await child.waitForLine(
    (line) => {
      const parsed = parseLine(line);
      if (parsed?.collector === 'pg_bloat' && isRunEnd(parsed) && parsed.target) {
        pending.delete(parsed.target);
      }
      return pending.size === 0;
    },
    'first pg_bloat run for every target',
    timeoutMs,
  );
}
