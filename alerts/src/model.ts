/**
 * How an alert is described once, for both engines: the value to watch (a
 * PromQL expression), which side of which thresholds is bad, how long it
 * must last, what to tell the person paged and where the runbook is. The
 * Prometheus rule compares the value with the threshold in PromQL; the
 * Grafana rule queries the value and lets its threshold step compare. Same
 * value, same numbers, same words.
 */
import type { AppAction, AppPage } from '../../dashboards/src/appLinks.js';
import { type Direction, type Threshold, type Thresholds } from './thresholds.js';
import type { Unit } from './units.js';

export type Severity = 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['warning', 'critical'];

/** A yes/no condition or a level of our own, for alerts without an entry in thresholds.json. */
export interface FixedThreshold {
  direction: Direction;
  warning?: number;
  critical?: number;
}

export interface AlertDefinition {
  /** The alertname, and the runbook's file name: docs/runbooks/<name>.md. */
  name: string;
  /**
   * Tells apart two definitions of one alert (ReplicationLagHigh in seconds
   * and in bytes): in Grafana uids and titles, and as the label `measure`, so
   * the two are different alerts everywhere.
   */
  variant?: string;
  /** The key in thresholds.json, or a fixed threshold. */
  threshold: string | FixedThreshold;
  /** PromQL of the value; may name recording rules (`upkeep:…`) but never with a selector, so Grafana can inline them. */
  value: string | ((threshold: Threshold) => string);
  unit: Unit;
  /** How long the condition must hold: one for both severities, or one each. */
  for: string | Partial<Record<Severity, string>>;
  /**
   * One line; `{{value}}` is the value, `{{threshold}}` the level crossed,
   * `{{for}}` how long it has held (the rule's `for`), `{{ $labels.x }}` a label.
   */
  summary: string;
  /** Says the value, the level and what it means. */
  description: string;
  /** Where the button that fixes it is (the runbook must link there). */
  fix: { page: AppPage; action?: AppAction };
}

export interface GroupDefinition {
  /** Rule group name in both engines. */
  name: string;
  alerts: readonly AlertDefinition[];
}

/** One rule of one severity, as both renderers need it. */
export interface ConcreteRule {
  definition: AlertDefinition;
  severity: Severity;
  value: string;
  direction: Direction;
  level: number;
  for: string;
}

function thresholdOf(definition: AlertDefinition, thresholds: Thresholds): { fixed: FixedThreshold; entry: Threshold | undefined } {
  if (typeof definition.threshold !== 'string') return { fixed: definition.threshold, entry: undefined };
  const entry = thresholds[definition.threshold];
  if (!entry) throw new Error(`${definition.name}: no "${definition.threshold}" in thresholds.json`);
  return { fixed: entry, entry };
}

/** One rule per severity the threshold has a level for. */
export function concreteRules(definition: AlertDefinition, thresholds: Thresholds): ConcreteRule[] {
  const { fixed, entry } = thresholdOf(definition, thresholds);
  let value: string;
  if (typeof definition.value === 'string') value = definition.value;
  else if (entry) value = definition.value(entry);
  else throw new Error(`${definition.name}: a value built from threshold extras needs a thresholds.json entry`);
  const rules: ConcreteRule[] = [];
  for (const severity of SEVERITIES) {
    const level = fixed[severity];
    if (level === undefined) continue;
    const duration = typeof definition.for === 'string' ? definition.for : definition.for[severity];
    if (duration === undefined) throw new Error(`${definition.name}: no "for" for ${severity}`);
    rules.push({ definition, severity, value, direction: fixed.direction, level, for: duration });
  }
  if (rules.length === 0) throw new Error(`${definition.name}: the threshold has neither a warning nor a critical level`);
  return rules;
}

/** Grafana rule uid: `[A-Za-z0-9_-]`, at most 40 characters. */
export function ruleUid(rule: ConcreteRule): string {
  const variant = rule.definition.variant ? `-${rule.definition.variant}` : '';
  return `upkeep-${rule.definition.name}${variant}-${rule.severity === 'critical' ? 'crit' : 'warn'}`;
}

/** The labels a rule adds to its series' own. */
export function ruleLabels(rule: ConcreteRule): Record<string, string> {
  return { severity: rule.severity, ...(rule.definition.variant ? { measure: rule.definition.variant } : {}) };
}

/** The value compared with the level, in PromQL. */
export function comparison(rule: ConcreteRule, value = rule.value): string {
  return `(${value}) ${rule.direction === 'above' ? '>' : '<'} ${rule.level}`;
}
