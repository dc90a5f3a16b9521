/**
 * Where Upkeep's scrape time goes: every measured scrape's
 * upkeep_collector_duration_seconds for one target, summarized per
 * collector. A scheduled collector's value is its last run, repeated.
 */
import { percentile } from './percentile.js';
import { samplesOf } from '../report/exposition.js';
import type { CollectorDuration } from '../report/results.js';

export class CollectorDurations {
  private readonly seconds = new Map<string, number[]>();

  /** Collector → cron expression, from the HELP of the families it caches. */
  private readonly schedules = new Map<string, string>();

  constructor(
    private readonly target: string,
    /** Collector name → live or scheduled, from the exporter's start-up log line. */
    private readonly modes: ReadonlyMap<string, string>,
  ) {}

  add(body: string): void {
    if (this.schedules.size === 0) for (const [collector, cron] of schedulesInHelp(body)) this.schedules.set(collector, cron);
    for (const sample of samplesOf(body, 'upkeep_collector_duration_seconds')) {
      const collector = sample.labels.collector;
      if (sample.labels.target !== this.target || collector === undefined) continue;
      let list = this.seconds.get(collector);
      if (!list) this.seconds.set(collector, (list = []));
      list.push(sample.value);
    }
  }

  /** Slowest first by median. */
  summary(): CollectorDuration[] {
    return [...this.seconds]
      .map(([collector, values]) => ({
        collector,
        mode: [this.modes.get(collector) ?? '?', this.schedules.has(collector) ? `(\`${this.schedules.get(collector)}\`)` : ''].join(' ').trim(),
        medianMs: percentile(values, 50) * 1000,
        maxMs: Math.max(...values) * 1000,
      }))
      .sort((a, b) => b.medianMs - a.medianMs);
  }
}

/** A cached family's HELP says 'Cached: refreshed by the pg_bloat collector on schedule "<cron>"'. */
export function schedulesInHelp(body: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of body.split('\n')) {
    if (!line.startsWith('# HELP ')) continue;
    for (const match of line.matchAll(/the (\w+) collector on schedule \\?"([^"\\]+)\\?"/g)) found.set(match[1]!, match[2]!);
  }
  return found;
}

/** `exporter.started` lists collectors as "pg_bloat (scheduled)". */
export function collectorModes(startedLine: string): Map<string, string> {
  const parsed = JSON.parse(startedLine) as { collectors?: unknown };
  const modes = new Map<string, string>();
  if (Array.isArray(parsed.collectors)) {
    for (const entry of parsed.collectors) {
      const match = typeof entry === 'string' ? /^(\S+) \((\w+)\)$/.exec(entry) : null;
      if (match) modes.set(match[1]!, match[2]!);
    }
  }
  return modes;
}
