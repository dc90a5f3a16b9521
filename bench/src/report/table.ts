/**
 * The side-by-side table: one row per figure, one column per exporter, and
 * postgres_exporter's figure divided by Upkeep's in the last column.
 */
import { percentile } from '../measure/percentile.js';
import { coverageCell, TOPICS } from './coverage.js';
import { isRuntimeMetric, seriesByName, seriesCount } from './exposition.js';
import { count, mb, ms, ratio } from './format.js';
import { totalMs } from '../measure/dbTime.js';
import type { BenchResults, ExporterResult } from './results.js';

interface NumericRow {
  figure: string;
  value: (e: ExporterResult) => number;
  format: (n: number) => string;
}

const NUMERIC_ROWS: readonly NumericRow[] = [
  { figure: '`/metrics` p50 (ms)', value: (e) => percentile(e.figures.run.latenciesMs, 50), format: ms },
  { figure: '`/metrics` p99 (ms)', value: (e) => percentile(e.figures.run.latenciesMs, 99), format: ms },
  { figure: 'series (non-comment lines)', value: (e) => seriesCount(e.figures.run.lastBody), format: count },
  {
    figure: 'series without process/runtime metrics',
    value: (e) => [...seriesByName(e.figures.run.lastBody)].filter(([name]) => !isRuntimeMetric(name)).reduce((sum, [, n]) => sum + n, 0),
    format: count,
  },
  { figure: 'response size (kB)', value: (e) => Buffer.byteLength(e.figures.run.lastBody) / 1000, format: (n) => n.toFixed(0) },
  { figure: 'RSS after the scrapes (MB)', value: (e) => e.figures.memory.rssBytes, format: mb },
  { figure: 'peak RSS, VmHWM (MB)', value: (e) => e.figures.memory.peakRssBytes, format: mb },
  { figure: 'DB time per scrape, exec + plan (ms)', value: (e) => totalMs(e.figures.dbTime.everyScrape) / e.figures.scrapes, format: ms },
  { figure: 'statements per scrape', value: (e) => e.figures.dbTime.everyScrape.calls / e.figures.scrapes, format: (n) => n.toFixed(1) },
];

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

export function renderTable(r: BenchResults): string {
  const exporters = [r.upkeep, r.pgexpDefault, r.pgexpQueries] as const;
  const lines = [
    row(['figure', 'Upkeep', 'postgres_exporter default', 'postgres_exporter + queries', 'ratios']),
    row(['---', '---', '---', '---', '---']),
  ];
  for (const numeric of NUMERIC_ROWS) {
    const [up, def, q] = exporters.map(numeric.value) as [number, number, number];
    lines.push(row([numeric.figure, numeric.format(up), numeric.format(def), numeric.format(q), `${ratio(def, up)} / ${ratio(q, up)}`]));
  }
  lines.push(
    row([
      `scrape errors (of ${r.options.scrapes})`,
      ...exporters.map((e) => String(e.figures.run.failures.length)),
      '',
    ]),
  );
  lines.push(
    row([
      'other statements during the scrapes (scheduled runs, periodic checks)',
      ...exporters.map((e) => {
        const o = e.figures.dbTime.occasional;
        return o.statements === 0 ? 'none' : `${o.statements} statements, ${count(o.calls)} calls, ${ms(totalMs(o))} ms in all`;
      }),
      '',
    ]),
  );
  lines.push(row(['what it reports failing', ...exporters.map((e) => (e.failures.length === 0 ? 'nothing' : e.failures.join('; '))), '']));
  const names = exporters.map((e) => seriesByName(e.figures.run.lastBody));
  for (const topic of TOPICS) lines.push(row([`covers: ${topic.topic}`, ...names.map((n) => coverageCell(n, topic)), '']));
  return lines.join('\n');
}
