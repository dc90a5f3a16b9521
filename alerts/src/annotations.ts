/**
 * A rule's annotations from its definition: the `{{value}}`, `{{threshold}}`
 * and `{{for}}` placeholders filled in for one engine, plus the runbook.
 */
import { RUNBOOK_BASE_URL, runbookPath } from './catalog.js';
import type { ConcreteRule } from './model.js';
import { humanFor } from './humanize.js';
import { thresholdText, valueTemplate } from './units.js';

export interface RuleAnnotations {
  summary: string;
  description: string;
  runbook_url: string;
}

/** `valueVariable` is how the engine's templates name the value: `$value` or `$values.B.Value`. */
export function annotationsFor(rule: ConcreteRule, valueVariable: string): RuleAnnotations {
  const { unit } = rule.definition;
  const fill = (text: string) =>
    text
      .replaceAll('{{value}}', valueTemplate(unit, valueVariable))
      .replaceAll('{{threshold}}', thresholdText(unit, rule.level))
      .replaceAll('{{for}}', humanFor(rule.for));
  return {
    summary: fill(rule.definition.summary),
    description: fill(rule.definition.description),
    runbook_url: `${RUNBOOK_BASE_URL}${runbookPath(rule.definition.name)}`,
  };
}
