/**
 * What a rule's value measures, and how each engine's templates print it.
 * Prometheus and Grafana share the template functions (humanizeDuration,
 * humanize1024, …) but not the variable: Prometheus has `$value`, Grafana
 * `$values.B.Value` (B is the reduce step of every generated Grafana rule).
 */
import { humanBytes, humanCount, humanDuration, humanRatio } from './humanize.js';

export type Unit = 'duration' | 'bytes' | 'ratio' | 'count' | 'perSecond' | 'days';

/** Go template that prints `variable` (`$value`, `$values.B.Value`) in the unit. */
export function valueTemplate(unit: Unit, variable: string): string {
  switch (unit) {
    case 'duration':
      return `{{ humanizeDuration ${variable} }}`;
    case 'bytes':
      return `{{ humanize1024 ${variable} }}B`;
    case 'ratio':
      return `{{ humanizePercentage ${variable} }}`;
    case 'count':
      return `{{ humanize ${variable} }}`;
    case 'perSecond':
      return `{{ humanize ${variable} }}/s`;
    case 'days':
      return `{{ printf "%.1f" ${variable} }} days`;
  }
}

/** A threshold constant as the description states it. */
export function thresholdText(unit: Unit, value: number): string {
  switch (unit) {
    case 'duration':
      return humanDuration(value);
    case 'bytes':
      return humanBytes(value);
    case 'ratio':
      return humanRatio(value);
    case 'count':
      return humanCount(value);
    case 'perSecond':
      return `${humanCount(value)}/s`;
    case 'days':
      return `${value} days`;
  }
}
