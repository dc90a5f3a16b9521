/**
 * The Prometheus rule files: the committed ones are exactly what alerts/src
 * generates from alerts/thresholds.json; promtool accepts them; every rule
 * carries a severity, a summary, a description that states the value and a
 * runbook that exists; and `promtool test rules` passes unit tests that fire
 * every alert at every severity and hold it quiet at its boundary.
 */
import { execFile } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertGroups, alertNames, runbookPath, RUNBOOK_BASE_URL } from '../../alerts/src/catalog.js';
import { concreteRules } from '../../alerts/src/model.js';
import { alertFiles, ALERTING_RULES_PATH, RECORDING_RULES_PATH } from '../../alerts/src/outputs.js';
import { RECORDING_GROUP } from '../../alerts/src/recordingRules.js';
import { SUMMARY_TABLE_HEADER, summaryTableRows } from '../../alerts/src/summaryTable.js';
import { loadThresholds } from '../../alerts/src/thresholds.js';
import { REPO_ROOT } from '../harness/cli.js';
import { harness } from '../harness/index.js';

const run = promisify(execFile);
const TESTS_DIR = join(REPO_ROOT, 'alerts/tests');

interface PrometheusRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

async function ruleGroups(path: string): Promise<{ name: string; rules: PrometheusRule[] }[]> {
  return (parse(await readFile(join(REPO_ROOT, path), 'utf8')) as { groups: { name: string; rules: PrometheusRule[] }[] }).groups;
}

interface AlertCase {
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string> }[];
}

interface UnitTestFile {
  rule_files: string[];
  group_eval_order?: string[];
  tests: { name: string; alert_rule_test?: AlertCase[] }[];
}

async function unitTestFiles(): Promise<{ file: string; content: UnitTestFile }[]> {
  const files = (await readdir(TESTS_DIR)).filter((f) => f.endsWith('.test.yml')).sort();
  return Promise.all(files.map(async (file) => ({ file, content: parse(await readFile(join(TESTS_DIR, file), 'utf8')) as UnitTestFile })));
}

describe('Prometheus rule files', () => {
  it('are exactly what alerts/src generates from alerts/thresholds.json (run `npm run generate` after a change)', async () => {
    for (const file of alertFiles()) {
      const committed = await readFile(join(REPO_ROOT, file.path), 'utf8');
      expect(committed, file.path).toBe(file.content);
    }
  });

  it('pass promtool check rules, lint included', async () => {
    const { stdout } = await run(harness().promtool, ['check', 'rules', RECORDING_RULES_PATH, ALERTING_RULES_PATH], { cwd: REPO_ROOT });
    expect(stdout).toContain('SUCCESS: 10 rules found');
    expect(stdout.match(/SUCCESS/g)).toHaveLength(2);
  });

  it('give every alert a severity, a summary, a description that states the value, and a runbook that exists', async () => {
    const groups = await ruleGroups(ALERTING_RULES_PATH);
    const rules = groups.flatMap((g) => g.rules);
    expect(new Set(rules.map((r) => r.alert))).toEqual(new Set(alertNames()));
    for (const rule of rules) {
      const where = `${rule.alert ?? '?'} ${rule.labels?.severity ?? '?'}`;
      expect(['warning', 'critical'], where).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, where).toBeTruthy();
      expect(rule.annotations?.description, where).toMatch(/\$value/);
      expect(rule.annotations?.runbook_url, where).toBe(`${RUNBOOK_BASE_URL}${runbookPath(rule.alert ?? '')}`);
      // No placeholder left unfilled.
      expect(`${rule.annotations?.summary ?? ''} ${rule.annotations?.description ?? ''}`, where).not.toMatch(/\{\{(value|threshold|for)\}\}/);
      await expect(access(join(REPO_ROOT, runbookPath(rule.alert ?? ''))), `runbook of ${where}`).resolves.toBeUndefined();
    }
  });

  it('use the levels of alerts/thresholds.json', async () => {
    const thresholds = loadThresholds();
    const expressions = (await ruleGroups(ALERTING_RULES_PATH)).flatMap((g) => g.rules).map((r) => `${r.alert ?? ''} ${r.labels?.severity ?? ''} ${r.expr}`);
    for (const key of ['backupAgeSeconds', 'replicationLagBytes', 'certDaysLeft', 'diskUsedRatio', 'pgCacheHitRatio']) {
      const t = thresholds[key];
      if (!t) throw new Error(`thresholds.json lost ${key}`);
      const sign = t.direction === 'above' ? '>' : '<';
      expect(expressions.some((e) => e.includes(` warning `) && e.endsWith(`) ${sign} ${t.warning}`)), `${key} warning`).toBe(true);
      expect(expressions.some((e) => e.includes(` critical `) && e.endsWith(`) ${sign} ${t.critical}`)), `${key} critical`).toBe(true);
    }
  });

  it('are listed in the README with the levels they have', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain([SUMMARY_TABLE_HEADER, ...summaryTableRows(loadThresholds())].join('\n'));
  });

  it('pass promtool test rules', async () => {
    const files = (await unitTestFiles()).map((f) => join('alerts/tests', f.file));
    const result = await run(harness().promtool, ['test', 'rules', ...files], { cwd: REPO_ROOT }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool test rules failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    expect(`${result.stdout}${result.stderr}`.match(/SUCCESS/g)).toHaveLength(files.length);
  });

  it('have unit tests that fire every alert at each of its severities and keep it quiet at its boundary', async () => {
    const thresholds = loadThresholds();
    const fired = new Set<string>();
    const quiet = new Set<string>();
    for (const { file, content } of await unitTestFiles()) {
      // Alerts read recording rules of the same minute only when their group runs first.
      expect(content.group_eval_order?.[0], file).toBe(RECORDING_GROUP);
      expect(new Set(content.group_eval_order), file).toEqual(new Set([RECORDING_GROUP, ...alertGroups.map((g) => g.name)]));
      for (const test of content.tests) {
        for (const c of test.alert_rule_test ?? []) {
          if (c.exp_alerts.length === 0) quiet.add(c.alertname);
          for (const alert of c.exp_alerts) fired.add(`${c.alertname} ${alert.exp_labels.severity ?? '?'}`);
        }
      }
    }
    const expectedFired = alertGroups.flatMap((g) => g.alerts.flatMap((a) => concreteRules(a, thresholds).map((r) => `${a.name} ${r.severity}`)));
    expect([...new Set(expectedFired)].filter((a) => !fired.has(a))).toEqual([]);
    expect(alertNames().filter((a) => !quiet.has(a))).toEqual([]);
  });
});
