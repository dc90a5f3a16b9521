/**
 * Grafana-managed alerting provisioning for the same alerts: each rule
 * queries the value (A), reduces it to its last point (B) and compares it
 * with the level (C). Recording rules are inlined, so the rules work against
 * any Prometheus that scrapes the exporter.
 */
import { stringify } from 'yaml';
import { annotationsFor } from './annotations.js';
import { alertGroups } from './catalog.js';
import { concreteRules, ruleLabels, ruleUid, type ConcreteRule, type GroupDefinition } from './model.js';
import { inlineRecordingRules } from './recordingRules.js';
import type { Thresholds } from './thresholds.js';

/** The uid provisioning/grafana/datasources gives the Prometheus data source. */
export const PROMETHEUS_DATASOURCE_UID = 'upkeep-prometheus';
export const GRAFANA_FOLDER = 'Upkeep';
export const GRAFANA_EVALUATION_INTERVAL = '1m';

const EXPRESSION = { type: '__expr__', uid: '__expr__' } as const;

function queries(rule: ConcreteRule): Record<string, unknown>[] {
  return [
    {
      refId: 'A',
      // Instant queries carry their own windows ([10m], [1d]); the range only has to be valid.
      relativeTimeRange: { from: 600, to: 0 },
      datasourceUid: PROMETHEUS_DATASOURCE_UID,
      model: {
        refId: 'A',
        datasource: { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID },
        editorMode: 'code',
        expr: inlineRecordingRules(rule.value),
        instant: true,
        range: false,
        legendFormat: '__auto',
        intervalMs: 1000,
        maxDataPoints: 43200,
      },
    },
    {
      refId: 'B',
      datasourceUid: EXPRESSION.uid,
      model: { refId: 'B', type: 'reduce', expression: 'A', reducer: 'last', datasource: EXPRESSION },
    },
    {
      refId: 'C',
      datasourceUid: EXPRESSION.uid,
      model: {
        refId: 'C',
        type: 'threshold',
        expression: 'B',
        conditions: [{ evaluator: { type: rule.direction === 'above' ? 'gt' : 'lt', params: [rule.level] } }],
        datasource: EXPRESSION,
      },
    },
  ];
}

function grafanaRule(rule: ConcreteRule): Record<string, unknown> {
  return {
    uid: ruleUid(rule),
    // Titles are unique within a folder; the severity tells the pair apart.
    title: `${rule.definition.name}${rule.definition.variant ? ` (${rule.definition.variant})` : ''} ${rule.severity}`,
    condition: 'C',
    data: queries(rule),
    // No series means nothing to judge (no standby, no slot): not an alert.
    noDataState: 'OK',
    execErrState: 'Error',
    for: rule.for,
    annotations: annotationsFor(rule, '$values.B.Value'),
    // Grafana names the alert after its title; upkeep_alert keeps the name the runbook and Prometheus use.
    labels: { ...ruleLabels(rule), upkeep_alert: rule.definition.name },
    isPaused: false,
  };
}

export function grafanaAlertingFile(thresholds: Thresholds, groups: readonly GroupDefinition[] = alertGroups): string {
  const content = {
    apiVersion: 1,
    groups: groups.map((group) => ({
      orgId: 1,
      name: group.name,
      folder: GRAFANA_FOLDER,
      interval: GRAFANA_EVALUATION_INTERVAL,
      rules: group.alerts.flatMap((definition) => concreteRules(definition, thresholds)).map(grafanaRule),
    })),
  };
  const header = [
    '# Generated from alerts/src/ and alerts/thresholds.json by `npm run generate`: edit those, not this file.',
    '# Grafana-managed versions of the Prometheus alerts in alerts/alerting.rules.yml, for teams that alert',
    '# from Grafana. Use one or the other, not both: each would page for the same problem.',
  ].join('\n');
  return `${header}\n${stringify(content, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
