/**
 * The scrape storm: many scrapers at once for a fixed time, each sending its
 * next request as soon as the previous one answered (as many Prometheus
 * servers, or a misconfigured one with a tiny interval, would). Every answer
 * that is not a complete 200 within the scrape timeout is an error.
 */
import { keepAliveAgent, scrape, type ScrapeOutcome } from './scrape.js';

export interface StormRun {
  requests: number;
  latenciesMs: number[];
  errors: Record<Exclude<ScrapeOutcome, 'ok'>, number>;
  /** Answers that were 200 but reported a collector failing (upkeep_collector_success 0). */
  answersWithFailedCollectors: number;
  seconds: number;
}

const FAILED_COLLECTOR = /^upkeep_collector_success\{[^}]*\} 0$/m;

export async function storm(url: string, scrapers: number, seconds: number): Promise<StormRun> {
  const agent = keepAliveAgent();
  const run: StormRun = { requests: 0, latenciesMs: [], errors: { status: 0, timeout: 0, connection: 0 }, answersWithFailedCollectors: 0, seconds };
  const stopAt = performance.now() + seconds * 1000;
  const scraper = async () => {
    while (performance.now() < stopAt) {
      const result = await scrape(url, agent);
      run.requests += 1;
      run.latenciesMs.push(result.ms);
      if (result.outcome !== 'ok') run.errors[result.outcome] += 1;
      else if (FAILED_COLLECTOR.test(result.body)) run.answersWithFailedCollectors += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: scrapers }, scraper));
  } finally {
    agent.destroy();
  }
  return run;
}
