/**
 * Issue 8's targets, each judged against this run's figure. The first, third
 * and fourth are stated for 10,000 tables: a run with fewer tables says so
 * rather than claiming them.
 */
import { totalMs } from '../measure/dbTime.js';
import { percentile } from '../measure/percentile.js';
import { seriesCount } from './exposition.js';
import { mb, ms, count } from './format.js';
import type { BenchResults } from './results.js';

interface Verdict {
  target: string;
  figure: string;
  met: boolean | undefined;
}

const RSS_LIMIT_BYTES = 120e6;

export function verdicts(r: BenchResults): Verdict[] {
  const up = r.upkeep.figures;
  const p99 = percentile(up.run.latenciesMs, 99);
  const series = seriesCount(up.run.lastBody);
  const dbPerScrape = totalMs(up.dbTime.everyScrape) / up.scrapes;
  const storm = r.storm.run;
  const stormErrors = storm.errors.status + storm.errors.timeout + storm.errors.connection;
  const at = r.options.tables === 10_000 ? '10,000 tables' : `${count(r.options.tables)} tables (the target is for 10,000)`;
  const out: Verdict[] = [
    { target: `/metrics p99 ≤ 25 ms at ${at}`, figure: `${ms(p99)} ms`, met: p99 <= 25 },
    { target: 'RSS ≤ 120 MB (after the sequential scrapes)', figure: `${mb(up.memory.rssBytes)} MB`, met: up.memory.rssBytes <= RSS_LIMIT_BYTES },
    { target: `≤ 3,000 series at ${at}`, figure: count(series), met: series <= 3_000 },
    { target: '≤ 20 ms database time per scrape', figure: `${ms(dbPerScrape)} ms`, met: dbPerScrape <= 20 },
    { target: `zero errors in the storm (${r.options.stormScrapers} scrapers, ${r.options.stormSeconds} s)`, figure: count(stormErrors), met: stormErrors === 0 },
  ];
  if (r.fleet) {
    const fleetP99 = percentile(r.fleet.figures.run.latenciesMs, 99);
    const exact = r.fleet.targets === 50 ? '50 targets' : `${r.fleet.targets} targets (the target is for 50)`;
    out.push({ target: `p99 ≤ 250 ms with ${exact}`, figure: `${ms(fleetP99)} ms`, met: fleetP99 <= 250 });
  } else {
    out.push({ target: 'p99 ≤ 250 ms with 50 targets', figure: 'not run (--fleet-targets 0)', met: undefined });
  }
  return out;
}

export function renderVerdicts(r: BenchResults): string {
  const lines = verdicts(r).map((v) => `- ${v.target}: ${v.figure} — **${v.met === undefined ? 'not measured' : v.met ? 'met' : 'missed'}**`);
  return lines.join('\n');
}
