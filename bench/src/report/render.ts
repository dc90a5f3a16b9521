/** The whole report, as printed and as written to bench/results/latest.md. */
import { totalMs } from '../measure/dbTime.js';
import { percentile } from '../measure/percentile.js';
import { seriesCount } from './exposition.js';
import { count, duration, mb, ms } from './format.js';
import type { BenchResults } from './results.js';
import { renderTable } from './table.js';
import { renderVerdicts } from './targets.js';

function header(r: BenchResults): string {
  const e = r.environment;
  const o = r.options;
  return [
    `## Upkeep vs postgres_exporter, ${e.date}`,
    '',
    `Machine: ${e.cpus}, ${e.memory} RAM, ${e.kernel}. Node ${e.node}, PostgreSQL ${e.postgres}, postgres_exporter ${e.postgresExporter}, Upkeep ${e.upkeep}.`,
    `Instance: ${count(o.tables)} tables with rows and dead tuples, ${count(o.statements)} distinct workload statements in pg_stat_statements, primary + streaming standby, TLS on. ` +
      `Setup ${duration(r.setupSeconds)}; whole run ${duration(r.totalSeconds)}. CPUs busy in the 3 s before it started: ${e.cpuBusyBefore.toFixed(0)} %.`,
    `Each exporter alone, against the primary only (one target, the DSN's database \`app\`): ${o.warmup} warm-up scrapes, then ${o.scrapes} sequential scrapes measured. ` +
      `Upkeep runs as \`node ${[...e.upkeepNodeFlags, 'exporter/dist/cli.js'].join(' ')}\`, as \`npm start\` runs it.`,
  ].join('\n');
}

function legend(r: BenchResults): string {
  const n = r.options.scrapes;
  return [
    'Ratios: postgres_exporter default ÷ Upkeep / postgres_exporter + queries ÷ Upkeep. Above 1: Upkeep\'s figure is smaller',
    '(faster, fewer series, less memory or database time); below 1: larger. Latency is request sent to last byte received;',
    `p99 is nearest-rank (the ${Math.ceil(0.99 * n)}th of ${n}). DB time is total_exec_time + total_plan_time in pg_stat_statements for the`,
    'exporter\'s own login role over the measured scrapes, divided by their number, counting the statements that ran on at',
    'least half of the scrapes; failed statements are not recorded there. It can exceed the latency: Upkeep runs its live',
    'collectors concurrently, on up to 3 connections per target. Upkeep\'s scheduled collectors ran once at start-up, before',
    'the measurement (start-up line below), and scrapes serve their cached results; their runs that fell inside the',
    'measured scrapes are in the "other statements" row. "covers" is judged by metric names present in the last measured',
    'scrape (pg_settings_* and exporter self-metrics do not count).',
  ].join('\n');
}

function storm(r: BenchResults): string {
  const s = r.storm.run;
  const errors = s.errors.status + s.errors.timeout + s.errors.connection;
  return (
    `Storm (Upkeep, ${r.options.stormScrapers} concurrent scrapers for ${s.seconds} s): ${count(s.requests)} requests (${(s.requests / s.seconds).toFixed(1)}/s), ` +
    `p50 ${ms(percentile(s.latenciesMs, 50))} ms, p99 ${ms(percentile(s.latenciesMs, 99))} ms, ` +
    `errors ${errors} (non-200 ${s.errors.status}, timeouts ${s.errors.timeout}, connection ${s.errors.connection}); ` +
    `200s reporting a failed collector: ${s.answersWithFailedCollectors}; RSS after ${mb(r.storm.memoryAfter.rssBytes)} MB (peak ${mb(r.storm.memoryAfter.peakRssBytes)} MB).`
  );
}

function fleet(r: BenchResults): string {
  if (!r.fleet) return 'Multi-target run skipped (--fleet-targets 0).';
  const f = r.fleet.figures;
  return (
    `${r.fleet.targets} targets (Upkeep, ${r.fleet.targets} separate PostgreSQL servers, ${f.scrapes} sequential scrapes): ` +
    `p50 ${ms(percentile(f.run.latenciesMs, 50))} ms, p99 ${ms(percentile(f.run.latenciesMs, 99))} ms, ${count(seriesCount(f.run.lastBody))} series, ` +
    `RSS ${mb(f.memory.rssBytes)} MB (peak ${mb(f.memory.peakRssBytes)} MB), DB time per scrape (all servers) ${ms(totalMs(f.dbTime.everyScrape) / f.scrapes)} ms, ` +
    `scrape errors ${f.run.failures.length}, failing: ${r.fleet.failures.length === 0 ? 'nothing' : r.fleet.failures.join('; ')}. ` +
    `Start-up until the first scheduled runs were over: ${r.fleet.startup.seconds.toFixed(1)} s.`
  );
}

function startup(r: BenchResults): string {
  const s = r.upkeepStartup;
  return (
    `Upkeep start-up (${count(r.options.tables)}-table instance): first scheduled runs over ${s.seconds.toFixed(1)} s after start (every pg_bloat run ended, then 2 s without a run ending); start-up and first scheduled runs cost ` +
    `${ms(totalMs(s.dbTime))} ms of database time in ${count(s.dbTime.calls)} statements; each scheduled collector then runs again on its schedule (table below).`
  );
}

function durations(r: BenchResults): string {
  const lines = [
    `Upkeep per collector (\`upkeep_collector_duration_seconds\`, target main, over the ${r.options.scrapes} measured scrapes; scheduled ones show their last run):`,
    '',
    '| collector | mode (schedule from its HELP text) | median (ms) | max (ms) |',
    '| --- | --- | --- | --- |',
    ...r.collectorDurations.map((d) => `| ${d.collector} | ${d.mode} | ${ms(d.medianMs)} | ${ms(d.maxMs)} |`),
  ];
  return lines.join('\n');
}

/** Markdown-safe, one line, at most `max` characters. */
function cell(text: string, max = 100): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return cut.replace(/\|/g, '\\|').replace(/`/g, "'");
}

function statements(r: BenchResults): string {
  const n = r.options.scrapes;
  return [
    `Upkeep's statements by database time (pg_stat_statements, role bench_upkeep, over the ${n} measured scrapes):`,
    '',
    '| statement | database | calls per scrape | ms per scrape (exec + plan) |',
    '| --- | --- | --- | --- |',
    ...r.upkeepStatements.map((s) => `| ${cell(s.query)} | ${s.database} | ${(s.calls / n).toFixed(1)} | ${ms(s.totalMs / n)} |`),
  ].join('\n');
}

function notes(r: BenchResults): string {
  const all = [r.upkeep, r.pgexpDefault, r.pgexpQueries].flatMap((e) => e.notes.map((n) => `- ${e.name}: ${n}`));
  return all.length === 0 ? '' : ['Notes:', '', ...all].join('\n');
}

export function renderReport(r: BenchResults): string {
  return [
    header(r),
    renderTable(r),
    legend(r),
    [storm(r), '', fleet(r), '', startup(r)].join('\n'),
    durations(r),
    statements(r),
    `Issue 8 targets:\n\n${renderVerdicts(r)}`,
    notes(r),
  ]
    .filter((s) => s !== '')
    .join('\n\n')
    .concat('\n');
}
