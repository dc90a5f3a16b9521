/** Assembles one scrape: live samples, cached scheduled samples, and the exporter's own series. */
import type { LiveCollection } from '../collectors/liveCollection.js';
import type { ScheduledCollectors } from '../scheduler/scheduledCollectors.js';
import { VERSION } from '../version.js';
import { buildInfo, seriesCount } from './exporterFamilies.js';
import { SampleSet } from './family.js';

export const DEFAULT_SCRAPE_TIMEOUT_SECONDS = 10;
const MAX_SCRAPE_TIMEOUT_SECONDS = 300;
const MAX_MARGIN_SECONDS = 0.5;

/**
 * How long this scrape may take: Prometheus' own timeout (sent as
 * X-Prometheus-Scrape-Timeout-Seconds) minus a margin, so the answer arrives
 * before Prometheus gives up — with whatever collectors finished in time.
 */
export function scrapeBudgetMs(timeoutHeader: string | undefined): number {
  const parsed = timeoutHeader === undefined ? NaN : Number(timeoutHeader);
  const timeout = Number.isFinite(parsed) && parsed > 0 ? Math.min(parsed, MAX_SCRAPE_TIMEOUT_SECONDS) : DEFAULT_SCRAPE_TIMEOUT_SECONDS;
  const margin = Math.min(MAX_MARGIN_SECONDS, timeout * 0.1);
  return Math.round((timeout - margin) * 1000);
}

/** Scrapes whose budgets round to the same 100 ms may share one collection and one answer. */
export function budgetBucket(budgetMs: number): number {
  return Math.round(budgetMs / 100);
}

/** Something besides the collectors with series of its own (the job runner, the action schedules). */
export interface SeriesSource {
  emitInto(out: SampleSet): void;
}

export async function collectScrape(live: LiveCollection, scheduled: ScheduledCollectors, budgetMs: number, others: readonly SeriesSource[] = []): Promise<SampleSet> {
  const out = new SampleSet();
  out.addAll(await live.collect(budgetMs));
  scheduled.emitInto(out);
  for (const source of others) source.emitInto(out);
  out.add(buildInfo, { version: VERSION, nodejs_version: process.version }, 1);
  out.add(seriesCount, {}, out.seriesCount + 1);
  return out;
}
