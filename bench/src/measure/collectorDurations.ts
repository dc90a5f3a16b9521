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

  constructor(
    private readonly target: string,
    /** Collector name → live or scheduled, from the exporter's start-up log line. */
    private readonly modes: ReadonlyMap<string, string>,
  ) {}

  add(body: string): void {
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
        mode: this.modes.get(collector) ?? '?',
        medianMs: percentile(values, 50) * 1000,
        maxMs: Math.max(...values) * 1000,
      }))
      .sort((a, b) => b.medianMs - a.medianMs);
  }
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
