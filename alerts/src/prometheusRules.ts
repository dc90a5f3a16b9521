/**
 * The Prometheus rule files: recording rules in one, alerts in the other, so
 * a deployment that alerts from Grafana can still load the recording rules
 * its dashboards and queries use.
 */
import { stringify } from 'yaml';
import { annotationsFor } from './annotations.js';
import { alertGroups } from './catalog.js';
import { comparison, concreteRules, ruleLabels, type ConcreteRule, type GroupDefinition } from './model.js';
import { RECORDING_GROUP, recordingRules } from './recordingRules.js';
import type { Thresholds } from './thresholds.js';

export interface RuleOptions {
  thresholds: Thresholds;
  groups?: readonly GroupDefinition[];
  /** Tests only: a shorter `for` (never a faked clock). */
  forOverride?: (rule: ConcreteRule) => string;
}

const HEADER = 'Generated from alerts/src/ and alerts/thresholds.json by `npm run generate`: edit those, not this file.';

function yamlFile(comment: string, content: unknown): string {
  const body = stringify(content, { lineWidth: 0, aliasDuplicateObjects: false });
  return `# ${HEADER}\n# ${comment}\n${body}`;
}

export function recordingRulesFile(): string {
  return yamlFile('Recording rules: ages and ratios from the exporter\'s timestamps and counters.', {
    groups: [{ name: RECORDING_GROUP, rules: recordingRules.map((r) => ({ record: r.record, expr: r.expr })) }],
  });
}

function alertingRule(rule: ConcreteRule, options: RuleOptions): Record<string, unknown> {
  return {
    alert: rule.definition.name,
    expr: comparison(rule),
    for: options.forOverride ? options.forOverride(rule) : rule.for,
    labels: ruleLabels(rule),
    annotations: annotationsFor(rule, '$value'),
  };
}

export function alertingRulesFile(options: RuleOptions): string {
  const groups = (options.groups ?? alertGroups).map((group) => ({
    name: group.name,
    rules: group.alerts.flatMap((definition) => concreteRules(definition, options.thresholds)).map((rule) => alertingRule(rule, options)),
  }));
  return yamlFile('Alerts: warning and critical pairs; each names its runbook in docs/runbooks/.', { groups });
}
