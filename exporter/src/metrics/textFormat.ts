/**
 * Writes metric families in the Prometheus text format (0.0.4) or
 * OpenMetrics 1.0, straight from our samples into one string.
 *
 * prom-client's registry did this before; on a large scrape it cost more than
 * collecting (a metric object and several intermediate strings per sample,
 * every label re-escaped). Here the HELP and TYPE lines are built once per
 * family, label values are escaped only when they hold a character that needs
 * it, and each sample is one template string.
 */
import type { MetricType } from './family.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** What a sample needs to be written; prom-client's own metrics come in this shape too (`le` may be a number). */
export interface WritableSample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** A histogram's `_bucket`, `_sum` or `_count` series; the family's name otherwise. */
  readonly metricName?: string;
}

export interface WritableFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly WritableSample[];
}

const NEEDS_ESCAPE_LABEL = /[\\\n"]/;
const NEEDS_ESCAPE_HELP_TEXT = /[\\\n]/;
const NEEDS_ESCAPE_HELP_OPENMETRICS = /[\\\n"]/;

function escapeLabelValue(value: string): string {
  return NEEDS_ESCAPE_LABEL.test(value) ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : value;
}

// The text format escapes only backslash and newline in HELP; OpenMetrics escapes the double quote as well.
function escapeHelp(help: string, format: ExpositionFormat): string {
  if (format === 'openmetrics') {
    return NEEDS_ESCAPE_HELP_OPENMETRICS.test(help) ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : help;
  }
  return NEEDS_ESCAPE_HELP_TEXT.test(help) ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : help;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelBlock(labels: Readonly<Record<string, string | number>>): string {
  let block = '';
  for (const key in labels) {
    const raw = labels[key]!;
    block += `${block === '' ? '{' : ','}${key}="${typeof raw === 'number' ? formatValue(raw) : escapeLabelValue(raw)}"`;
  }
  return block === '' ? '' : `${block}}`;
}

/** The family's HELP and TYPE lines. OpenMetrics names a counter family without `_total` and calls untyped "unknown". */
function header(family: WritableFamily, format: ExpositionFormat): string {
  const name = format === 'openmetrics' && family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
  const type = format === 'openmetrics' && family.type === 'untyped' ? 'unknown' : family.type;
  return `# HELP ${name} ${escapeHelp(family.help, format)}\n# TYPE ${name} ${type}\n`;
}

export function writeFamilies(families: Iterable<WritableFamily>, format: ExpositionFormat): string {
  const parts: string[] = [];
  for (const family of families) {
    parts.push(header(family, format));
    for (const sample of family.samples) {
      parts.push(`${sample.metricName ?? family.name}${labelBlock(sample.labels)} ${formatValue(sample.value)}\n`);
    }
  }
  if (format === 'openmetrics') parts.push('# EOF\n');
  return parts.join('');
}
