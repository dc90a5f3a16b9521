/** Everything one bench run found, as the report needs it. */
import type { ExporterFigures } from '../measure/exporterFigures.js';
import type { DbTime, StatementCost } from '../measure/dbTime.js';
import type { Memory } from '../measure/rss.js';
import type { StormRun } from '../measure/storm.js';
import type { BenchOptions } from '../options.js';

export interface ExporterResult {
  name: string;
  figures: ExporterFigures;
  /** Short: what it says is wrong in its last measured scrape, or how many error lines it logged; empty when nothing. */
  failures: string[];
  /** Longer explanations (distinct error messages) printed below the table. */
  notes: string[];
}

export interface CollectorDuration {
  collector: string;
  mode: string;
  medianMs: number;
  maxMs: number;
}

export interface UpkeepStartup {
  /** From process start until the first pg_bloat run ended for every target. */
  seconds: number;
  /** What start-up and the first scheduled runs cost the server. */
  dbTime: DbTime;
}

export interface FleetResult {
  targets: number;
  figures: ExporterFigures;
  failures: string[];
  startup: UpkeepStartup;
}

export interface StormResult {
  run: StormRun;
  memoryAfter: Memory;
}

export interface Environment {
  date: string;
  cpus: string;
  memory: string;
  kernel: string;
  node: string;
  postgres: string;
  postgresExporter: string;
  upkeep: string;
  /** How Upkeep was started: Node's flags as `npm start` passes them. */
  upkeepNodeFlags: string[];
  /** Percent of the CPUs busy in the 3 s before the bench started anything: another workload shows here. */
  cpuBusyBefore: number;
}

export interface BenchResults {
  options: BenchOptions;
  environment: Environment;
  setupSeconds: number;
  totalSeconds: number;
  upkeep: ExporterResult;
  upkeepStartup: UpkeepStartup;
  collectorDurations: CollectorDuration[];
  upkeepStatements: StatementCost[];
  pgexpDefault: ExporterResult;
  pgexpQueries: ExporterResult;
  storm: StormResult;
  fleet?: FleetResult;
}
