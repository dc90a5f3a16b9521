/**
 * The metric contract: every metric a rule, a Grafana rule, a dashboard, a
 * runbook query or the Grafana app names is one the real exporter produces
 * (scraped with every collector on, healthy and broken sources behind it)
 * or a recording rule defined in alerts/. A renamed metric breaks this test.
 * Then, through a real Prometheus scraping that exporter with the rules
 * loaded, every dashboard query and every alert's value returns series, so
 * the label names line up too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertGroups } from '../../alerts/src/catalog.js';
import { concreteRules } from '../../alerts/src/model.js';
import { recordingRules } from '../../alerts/src/recordingRules.js';
import { loadThresholds } from '../../alerts/src/thresholds.js';
import { dashboardFiles } from '../../dashboards/src/outputs.js';
import { dashboardExpressions, withVariablesReplaced } from '../dashboards/promqlOfDashboards.js';
import { REPO_ROOT } from '../harness/cli.js';
import { startEveryCollector, type EveryCollector } from '../harness/everyCollector.js';
import { eventually, temporaryDirectory } from '../harness/index.js';
import { PrometheusServer } from '../harness/prometheusServer.js';
import { pluginReferences, referencedMetrics } from '../harness/referencedMetrics.js';

/** Series Prometheus itself makes, which queries may read too. */
const MADE_BY_PROMETHEUS = new Set(['up', 'ALERTS', 'scrape_duration_seconds']);

/**
 * Dashboard panels that rightly show nothing against this exporter, and why:
 * each shows something only when something is wrong, or needs history a
 * test does not have. Every other panel must return series.
 */
const EMPTY_PANELS: Record<string, string> = {
  'upkeep-overview Firing alerts': 'no alert has been firing for its `for` yet',
  'upkeep-exporter Schedules': 'the yearly schedule has neither ticked nor run',
  'upkeep-certificates-disks Time until full': 'only filesystems that fill over the last 6 hours have a series',
  'annotation Maintenance job failed': 'no job failed',
  'annotation Maintenance running': 'no job is running',
};

/** Alert values that need a condition this setup does not stage (the value filters it). */
const EMPTY_VALUES: Record<string, string> = {
  PgCacheHitRatioLow: 'no database reads 100 blocks a second',
  RedisHitRatioLow: 'Redis serves fewer than 10 lookups a second',
  TableBloatHigh: 'no table has 100 MiB of bloat',
  DiskFillingUp: 'filesystems fill only when the test host happens to write',
};

let every: EveryCollector;
let prometheus: PrometheusServer;

beforeAll(async () => {
  every = await startEveryCollector();
  const port = new URL(every.exporter.url).port;
  const dir = await temporaryDirectory('contract-prometheus-');
  prometheus = await PrometheusServer.start(
    dir,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${REPO_ROOT}/alerts/recording.rules.yml', '${REPO_ROOT}/alerts/alerting.rules.yml']`,
      'scrape_configs:',
      // The job name the rules and dashboards use for the exporter.
      `  - { job_name: upkeep, static_configs: [{ targets: ['127.0.0.1:${port}'] }] }`,
      '',
    ].join('\n'),
  );
}, 240_000);

afterAll(async () => {
  await prometheus?.stop();
  await every?.close();
});

describe('metric contract', () => {
  it('every metric a rule, dashboard, runbook or app query names is produced by the exporter or recorded by alerts/', async () => {
    const { metrics } = await every.exporter.scrape();
    const produced = new Set([...metrics.samples.map((s) => s.name), ...metrics.types.keys()]);
    const recorded = new Set(recordingRules.map((r) => r.record));
    const references = await referencedMetrics();
    // Sanity: the collection did find the artefacts.
    for (const kind of ['alerts/alerting.rules.yml', 'provisioning/grafana/alerting', 'dashboards/', 'docs/runbooks/']) {
      expect(references.some((r) => r.where.startsWith(kind)), kind).toBe(true);
    }
    const unknown = references.filter(({ metric }) => (metric.includes(':') ? !recorded.has(metric) : !produced.has(metric) && !MADE_BY_PROMETHEUS.has(metric)));
    expect(unknown).toEqual([]);
  });

  it('checks the app\'s queries too, once plugin/src exists', async () => {
    const fromPlugin = await pluginReferences();
    const { metrics } = await every.exporter.scrape();
    const produced = new Set([...metrics.samples.map((s) => s.name), ...metrics.types.keys()]);
    const recorded = new Set(recordingRules.map((r) => r.record));
    expect(fromPlugin.filter(({ metric }) => !produced.has(metric) && !recorded.has(metric))).toEqual([]);
    // Proves the reader works on a tree like the app's, whether or not the app is there yet.
    const sample = await pluginReferences(`${REPO_ROOT}/test/fixtures/plugin-src`);
    expect(sample.map((r) => r.metric).sort()).toEqual(['upkeep:backup_age_seconds', 'upkeep_backup_last_success_timestamp_seconds', 'upkeep_target_up']);
  });

  it('every dashboard panel returns series through Prometheus, except the few that must stay empty here', async () => {
    await eventually(async () => (await prometheus.query('upkeep_target_up')).length >= 3, 'Prometheus scraping the exporter');
    // A job that finishes while Prometheus watches: the job panels' rates move.
    await every.runJob({ action: 'analyze', target: 'main', params: { database: 'shop', table: 'public.tags' } });
    // rate() over the test's 1m windows needs a few scrapes.
    await new Promise((r) => setTimeout(r, 6000));
    const panels = new Map<string, number>();
    for (const { content } of dashboardFiles()) {
      for (const { dashboard, where, expr } of dashboardExpressions(JSON.parse(content))) {
        const key = where.startsWith('annotation') ? where : `${dashboard} ${where}`;
        panels.set(key, (panels.get(key) ?? 0) + (await prometheus.query(withVariablesReplaced(expr))).length);
      }
    }
    const empty = [...panels].filter(([key, series]) => series === 0 && !(key in EMPTY_PANELS)).map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it('every alert\'s value returns series through Prometheus, except where the condition is not staged', async () => {
    const thresholds = loadThresholds();
    const empty: string[] = [];
    for (const definition of alertGroups.flatMap((g) => g.alerts)) {
      if (definition.name in EMPTY_VALUES) continue;
      const value = concreteRules(definition, thresholds)[0]?.value ?? '';
      if ((await prometheus.query(value)).length === 0) empty.push(`${definition.name}${definition.variant ? ` (${definition.variant})` : ''}: ${value}`);
    }
    expect(empty).toEqual([]);
  });
});
