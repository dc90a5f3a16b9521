/**
 * Sequential scrapes, one after the other as a single Prometheus does:
 * a warm-up whose figures are thrown away, then the measured scrapes.
 */
import { progress } from '../progress.js';
import { keepAliveAgent, scrape, type ScrapeOutcome, type ScrapeResult } from './scrape.js';

export interface SequentialRun {
  latenciesMs: number[];
  failures: Array<{ outcome: ScrapeOutcome; status: number; error?: string }>;
  /** The last successful body: series, coverage and collector durations are read from it. */
  lastBody: string;
}

export async function warmUp(url: string, count: number): Promise<string> {
  const agent = keepAliveAgent();
  let last: ScrapeResult | undefined;
  try {
    for (let i = 0; i < count; i++) last = await scrape(url, agent);
  } finally {
    agent.destroy();
  }
  if (last?.outcome !== 'ok') throw new Error(`warm-up scrape of ${url} failed: ${last?.outcome} ${last?.status} ${last?.error ?? ''}`);
  return last.body;
}

/** `inspect` sees each measured body (outside the timing). */
export async function measureSequential(url: string, count: number, label: string, inspect?: (body: string) => void): Promise<SequentialRun> {
  const agent = keepAliveAgent();
  const run: SequentialRun = { latenciesMs: [], failures: [], lastBody: '' };
  let lastReport = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const result = await scrape(url, agent);
      run.latenciesMs.push(result.ms);
      if (result.outcome === 'ok') {
        run.lastBody = result.body;
        inspect?.(result.body);
      } else {
        run.failures.push({ outcome: result.outcome, status: result.status, ...(result.error ? { error: result.error } : {}) });
      }
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        progress(`${label}: ${i + 1}/${count} scrapes`);
      }
    }
  } finally {
    agent.destroy();
  }
  return run;
}
