/**
 * The alert list of the README, as Markdown table rows: one per definition,
 * with its levels as people read them. The README carries the rows; a test
 * checks they still say what the definitions and thresholds.json say.
 */
import { allAlerts, runbookPath } from './catalog.js';
import { concreteRules, type Severity } from './model.js';
import type { Thresholds } from './thresholds.js';
import { thresholdText } from './units.js';

export const SUMMARY_TABLE_HEADER = '| alert | level in thresholds.json | warning | critical | for |\n| --- | --- | --- | --- | --- |';

export function summaryTableRows(thresholds: Thresholds): string[] {
  return allAlerts().map((definition) => {
    const rules = concreteRules(definition, thresholds);
    const level = (severity: Severity) => {
      const rule = rules.find((r) => r.severity === severity);
      return rule ? `${rule.direction === 'above' ? '>' : '<'} ${thresholdText(definition.unit, rule.level)}` : '—';
    };
    const name = `[${definition.name}](${runbookPath(definition.name)})${definition.variant ? ` (${definition.variant})` : ''}`;
    const key = typeof definition.threshold === 'string' ? `\`${definition.threshold}\`` : 'fixed';
    return `| ${name} | ${key} | ${level('warning')} | ${level('critical')} | ${[...new Set(rules.map((r) => r.for))].join(' / ')} |`;
  });
}
