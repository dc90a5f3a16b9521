/**
 * A small parser for the Prometheus text format, so tests assert on series
 * and values instead of on substrings.
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export class ParsedMetrics {
  constructor(
    readonly samples: ParsedSample[],
    readonly help: Map<string, string>,
    readonly types: Map<string, string>,
  ) {}

  /** Samples of `name` whose labels include every given label. */
  find(name: string, labels: Record<string, string> = {}): ParsedSample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The value of the one sample matching; throws when there is none or several. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.find(name, labels);
    if (found.length !== 1) {
      throw new Error(`expected exactly one ${name}${JSON.stringify(labels)}, found ${found.length}`);
    }
    return found[0]!.value;
  }

  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.find(name, labels).length > 0;
  }
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    const key = text.slice(i, eq).trim().replace(/^,/, '').trim();
    if (text[eq + 1] !== '"') throw new Error(`bad label value in {${text}}`);
    let j = eq + 2;
    let value = '';
    while (j < text.length && text[j] !== '"') {
      if (text[j] === '\\') {
        const next = text[j + 1];
        value += next === 'n' ? '\n' : next;
        j += 2;
      } else {
        value += text[j];
        j++;
      }
    }
    labels[key] = value;
    i = j + 1;
    if (text[i] === ',') i++;
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function parseMetrics(text: string): ParsedMetrics {
  const samples: ParsedSample[] = [];
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line === '# EOF') continue;
    if (line.startsWith('# HELP ')) {
      const [, name = '', ...rest] = line.split(' ').slice(1);
      help.set(name, rest.join(' '));
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name = '', type = ''] = line.split(' ');
      types.set(name, type);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    samples.push({ name: match[1]!, labels: match[3] ? parseLabels(match[3]) : {}, value: parseValue(match[4]!) });
  }
  return new ParsedMetrics(samples, help, types);
}
