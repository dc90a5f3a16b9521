/**
 * The Grafana-managed copy of the alerts (provisioning/grafana/alerting/
 * upkeep-rules.yaml), generated from the same source as the Prometheus
 * rules: in step with them rule for rule, and well formed for Grafana's
 * file provisioning (query → reduce → threshold, the provisioned data
 * source's uid, valid uids, nothing Grafana's env interpolation would eat).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { GRAFANA_FOLDER, PROMETHEUS_DATASOURCE_UID } from '../../alerts/src/grafanaRules.js';
import { ALERTING_RULES_PATH, GRAFANA_ALERTING_PATH } from '../../alerts/src/outputs.js';
import { REPO_ROOT } from '../harness/cli.js';
import { harness, temporaryDirectory } from '../harness/index.js';

interface Query {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: { refId: string; type?: string; expression?: string; reducer?: string; expr?: string; instant?: boolean; conditions?: { evaluator: { type: string; params: number[] } }[] };
}

interface GrafanaRule {
  uid: string;
  title: string;
  condition: string;
  data: Query[];
  for: string;
  noDataState: string;
  execErrState: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  isPaused: boolean;
}

interface PrometheusRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

async function grafanaGroups(): Promise<{ orgId: number; name: string; folder: string; interval: string; rules: GrafanaRule[] }[]> {
  const file = parse(await readFile(join(REPO_ROOT, GRAFANA_ALERTING_PATH), 'utf8')) as { apiVersion: number; groups: { orgId: number; name: string; folder: string; interval: string; rules: GrafanaRule[] }[] };
  expect(file.apiVersion).toBe(1);
  return file.groups;
}

async function prometheusRules(): Promise<PrometheusRule[]> {
  const file = parse(await readFile(join(REPO_ROOT, ALERTING_RULES_PATH), 'utf8')) as { groups: { rules: PrometheusRule[] }[] };
  return file.groups.flatMap((g) => g.rules);
}

/** Identifies a rule in both engines: its alert name and its own labels. */
const identity = (name: string, labels: Record<string, string>) => `${name} ${labels.severity ?? ''} ${labels.measure ?? ''}`;

describe('Grafana-managed alerting provisioning', () => {
  it('has one rule for each Prometheus rule, with the same level, duration and words', async () => {
    const grafana = (await grafanaGroups()).flatMap((g) => g.rules);
    const prometheus = await prometheusRules();
    expect(grafana.map((r) => identity(r.labels.upkeep_alert ?? '', r.labels)).sort()).toEqual(prometheus.map((r) => identity(r.alert, r.labels)).sort());
    for (const p of prometheus) {
      const g = grafana.find((r) => identity(r.labels.upkeep_alert ?? '', r.labels) === identity(p.alert, p.labels));
      const where = identity(p.alert, p.labels);
      const [, op, level] = /\) ([<>]) (-?[\d.e+]+)$/.exec(p.expr) ?? [];
      const evaluator = g?.data.find((q) => q.refId === 'C')?.model.conditions?.[0]?.evaluator;
      expect(evaluator, where).toEqual({ type: op === '>' ? 'gt' : 'lt', params: [Number(level)] });
      expect(g?.for, where).toBe(p.for);
      expect(g?.annotations.runbook_url, where).toBe(p.annotations.runbook_url);
      // The same text, with Grafana's name for the value.
      for (const key of ['summary', 'description']) {
        expect(g?.annotations[key]?.replaceAll('$values.B.Value', '$value'), `${where} ${key}`).toBe(p.annotations[key]);
      }
    }
  });

  it('chains a Prometheus query on the provisioned data source, a reduce and a threshold, and alerts on the threshold', async () => {
    for (const group of await grafanaGroups()) {
      expect(group).toMatchObject({ orgId: 1, folder: GRAFANA_FOLDER, interval: '1m' });
      for (const rule of group.rules) {
        const [a, b, c] = rule.data;
        expect(rule.data.map((q) => q.refId), rule.uid).toEqual(['A', 'B', 'C']);
        expect(a?.datasourceUid, rule.uid).toBe(PROMETHEUS_DATASOURCE_UID);
        expect(a?.model.instant, rule.uid).toBe(true);
        expect(a?.relativeTimeRange?.from, rule.uid).toBeGreaterThan(0);
        expect(b, rule.uid).toMatchObject({ datasourceUid: '__expr__', model: { type: 'reduce', expression: 'A', reducer: 'last' } });
        expect(c, rule.uid).toMatchObject({ datasourceUid: '__expr__', model: { type: 'threshold', expression: 'B' } });
        expect(rule.condition, rule.uid).toBe('C');
        expect([rule.noDataState, rule.execErrState, rule.isPaused], rule.uid).toEqual(['OK', 'Error', false]);
      }
    }
  });

  it('gives rules valid unique uids and unique titles, and nothing env interpolation would change', async () => {
    const rules = (await grafanaGroups()).flatMap((g) => g.rules);
    expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
    expect(new Set(rules.map((r) => r.title)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
      // Labels, titles and uids are expanded like $VAR; annotations like ${VAR}.
      expect(JSON.stringify([rule.uid, rule.title, rule.labels, rule.for]), rule.uid).not.toContain('$');
      expect(JSON.stringify(rule.annotations), rule.uid).not.toContain('${');
      expect(rule.annotations.description, rule.uid).toContain('$values.B.Value');
    }
  });

  it('queries PromQL that promtool accepts, with the recording rules written out', async () => {
    const exprs = (await grafanaGroups()).flatMap((g) => g.rules.map((r) => r.data[0]?.model.expr ?? ''));
    // Grafana rules must not depend on recording rules being loaded anywhere.
    expect(exprs.filter((e) => /upkeep:/.test(e))).toEqual([]);
    const dir = await temporaryDirectory('grafana-promql-');
    const file = join(dir, 'grafana.rules.yml');
    await writeFile(file, stringify({ groups: [{ name: 'grafana', rules: exprs.map((expr, i) => ({ record: `grafana:query:${i}`, expr })) }] }, { lineWidth: 0 }));
    const { stdout } = await promisify(execFile)(harness().promtool, ['check', 'rules', '--lint=none', file]);
    expect(stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});
