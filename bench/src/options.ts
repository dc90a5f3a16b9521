/**
 * The bench's knobs, from flags (`npm run bench -- --tables 2000`) or the
 * environment (`BENCH_TABLES=2000`), flags winning. Defaults are the sizes
 * issue 8 names; smaller values make a quick trial run.
 */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Tables with rows and dead tuples in the main database. */
  tables: number;
  /** Distinct normalized statements the workload role leaves in pg_stat_statements. */
  statements: number;
  /** Sequential scrapes measured per exporter (after the warm-up). */
  scrapes: number;
  /** Scrapes before measuring: connections opened, first-seen statement texts, sticky top-N settled. */
  warmup: number;
  /** Concurrent scrapers of the storm, and how long it lasts. */
  stormScrapers: number;
  stormSeconds: number;
  /** Separate PostgreSQL servers monitored by one Upkeep (0 skips that part). */
  fleetTargets: number;
  /** Leave the servers running at the end and print their DSNs (for profiling). */
  keep: boolean;
}

interface Knob {
  flag: keyof Omit<BenchOptions, 'keep'>;
  env: string;
  fallback: number;
  min: number;
}

const KNOBS: readonly Knob[] = [
  { flag: 'tables', env: 'BENCH_TABLES', fallback: 10_000, min: 1 },
  { flag: 'statements', env: 'BENCH_STATEMENTS', fallback: 5_000, min: 0 },
  { flag: 'scrapes', env: 'BENCH_SCRAPES', fallback: 200, min: 1 },
  { flag: 'warmup', env: 'BENCH_WARMUP', fallback: 5, min: 1 },
  { flag: 'stormScrapers', env: 'BENCH_STORM_SCRAPERS', fallback: 20, min: 1 },
  { flag: 'stormSeconds', env: 'BENCH_STORM_SECONDS', fallback: 30, min: 1 },
  { flag: 'fleetTargets', env: 'BENCH_FLEET_TARGETS', fallback: 50, min: 0 },
];

/** `stormScrapers` is spelled `--storm-scrapers` on the command line. */
function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export const USAGE = `Usage: npm run bench -- [options]

  --tables N           tables in the main database (default 10000; env BENCH_TABLES)
  --statements N       distinct statements in pg_stat_statements (default 5000; BENCH_STATEMENTS)
  --scrapes N          sequential scrapes measured per exporter (default 200; BENCH_SCRAPES)
  --warmup N           scrapes before measuring (default 5; BENCH_WARMUP)
  --storm-scrapers N   concurrent scrapers in Upkeep's storm (default 20; BENCH_STORM_SCRAPERS)
  --storm-seconds N    length of the storm (default 30; BENCH_STORM_SECONDS)
  --fleet-targets N    separate PostgreSQL servers for the multi-target run, 0 skips it
                       (default 50; BENCH_FLEET_TARGETS)
  --keep               leave the servers running at the end and print their DSNs (BENCH_KEEP=1)
  -h, --help           this text
`;

function toCount(raw: string, knob: Knob, source: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < knob.min) {
    throw new Error(`${source}: expected a whole number of at least ${knob.min}, got "${raw}"`);
  }
  return value;
}

/** Returns undefined when help was asked for. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | undefined {
  const parsed = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(KNOBS.map((k) => [flagName(k.flag), { type: 'string' as const }])),
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  // The knob flags are built from KNOBS, so parseArgs' inferred type does not name them.
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return undefined;
  const resolve = (knob: Knob): number => {
    const fromFlag = values[flagName(knob.flag)];
    const fromEnv = env[knob.env];
    if (typeof fromFlag === 'string') return toCount(fromFlag, knob, `--${flagName(knob.flag)}`);
    if (fromEnv !== undefined && fromEnv !== '') return toCount(fromEnv, knob, knob.env);
    return knob.fallback;
  };
  const counts = Object.fromEntries(KNOBS.map((k) => [k.flag, resolve(k)])) as Record<Knob['flag'], number>;
  return { ...counts, keep: values.keep === true || env.BENCH_KEEP === '1' };
}
