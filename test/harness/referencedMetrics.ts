/**
 * Every metric name Upkeep's artefacts read, with where each is read: the
 * Prometheus rule files, the Grafana-managed rules, the dashboards, the
 * runbooks' ```promql blocks, and the Grafana app's queries in plugin/src.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { ALERTING_RULES_PATH, GRAFANA_ALERTING_PATH, RECORDING_RULES_PATH } from '../../alerts/src/outputs.js';
import { dashboardExpressions } from '../dashboards/promqlOfDashboards.js';
import { REPO_ROOT } from './cli.js';
import { metricNames } from './promqlMetricNames.js';

export interface Reference {
  metric: string;
  where: string;
}

async function exists(path: string): Promise<boolean> {
  return readdir(path).then(
    () => true,
    () => false,
  );
}

/** Files below `dir` (recursively) whose names pass `keep`. */
export async function filesUnder(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path, keep)));
    else if (keep(entry.name)) out.push(path);
  }
  return out.sort();
}

function fromExpressions(exprs: { expr: string; where: string }[]): Reference[] {
  return exprs.flatMap(({ expr, where }) => metricNames(expr).map((metric) => ({ metric, where })));
}

async function ruleFileReferences(path: string): Promise<Reference[]> {
  const file = parse(await readFile(join(REPO_ROOT, path), 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  return fromExpressions(file.groups.flatMap((g) => g.rules.map((r) => ({ expr: r.expr, where: `${path}: ${r.alert ?? r.record ?? '?'}` }))));
}

async function grafanaRuleReferences(): Promise<Reference[]> {
  const file = parse(await readFile(join(REPO_ROOT, GRAFANA_ALERTING_PATH), 'utf8')) as { groups: { rules: { uid: string; data: { model: { expr?: string } }[] }[] }[] };
  return fromExpressions(
    file.groups.flatMap((g) => g.rules.flatMap((r) => r.data.flatMap((d) => (d.model.expr ? [{ expr: d.model.expr, where: `${GRAFANA_ALERTING_PATH}: ${r.uid}` }] : [])))),
  );
}

async function dashboardReferences(): Promise<Reference[]> {
  const files = await filesUnder(join(REPO_ROOT, 'dashboards'), (name) => name.endsWith('.json'));
  const exprs = await Promise.all(
    files.map(async (file) => dashboardExpressions(JSON.parse(await readFile(file, 'utf8'))).map((e) => ({ expr: e.expr, where: `${relative(REPO_ROOT, file)}: ${e.where}` }))),
  );
  return fromExpressions(exprs.flat());
}

/** The ```promql blocks of a Markdown text. */
export function promqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

async function runbookReferences(): Promise<Reference[]> {
  const files = await filesUnder(join(REPO_ROOT, 'docs/runbooks'), (name) => name.endsWith('.md'));
  const exprs = await Promise.all(
    files.map(async (file) => promqlBlocks(await readFile(file, 'utf8')).map((expr) => ({ expr, where: relative(REPO_ROOT, file) }))),
  );
  return fromExpressions(exprs.flat());
}

/** Test code of the app: test files, and helpers in test/ or __mocks__ folders. */
const isTestCode = (path: string) => /\.(test|spec)\.tsx?$/.test(path) || /\/(test|__mocks__)\//.test(path);

/**
 * The app's queries live in TypeScript, not in PromQL files: every
 * `upkeep_…` (and recording rule `upkeep:…`) name in its sources, test code
 * left out. A recording rule name starts with a letter after the colon, so a
 * URL such as http://upkeep:9854 is no metric. Without plugin/src there is
 * nothing to read.
 */
export async function pluginReferences(root = join(REPO_ROOT, 'plugin/src')): Promise<Reference[]> {
  if (!(await exists(root))) return [];
  const files = (await filesUnder(root, (name) => /\.tsx?$/.test(name))).filter((file) => !isTestCode(`/${relative(root, file)}`));
  const refs = await Promise.all(
    files.map(async (file) => {
      const text = await readFile(file, 'utf8');
      const names = new Set([...text.matchAll(/upkeep_[a-z0-9_]+|upkeep:[a-z][a-z0-9_:]*/g)].map((m) => m[0]));
      return [...names].map((metric) => ({ metric, where: relative(REPO_ROOT, file) }));
    }),
  );
  return refs.flat();
}

export async function referencedMetrics(): Promise<Reference[]> {
  const parts = await Promise.all([
    ruleFileReferences(RECORDING_RULES_PATH),
    ruleFileReferences(ALERTING_RULES_PATH),
    grafanaRuleReferences(),
    dashboardReferences(),
    runbookReferences(),
    pluginReferences(),
  ]);
  return parts.flat();
}
