/**
 * Turns validation issues into problems a person can act on: the field path
 * (`postgres[0].dsnEnv`), the line in the file when known, and a message that
 * says what is wrong — with "did you mean" for misspelt keys and values.
 */
import { z } from 'zod';
import type { Document } from 'yaml';
import { isMap, isScalar, isSeq, type LineCounter } from 'yaml';
import { closestMatch } from './suggest.js';

export type PathSegment = string | number;

export interface ConfigProblem {
  /** Field path such as `postgres[0].dsnEnv`; `(top level)` for the whole file. */
  path: string;
  /** 1-based line in the YAML file, when the problem can be pinned to one. */
  line?: number;
  message: string;
}

export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

export function formatProblem(problem: ConfigProblem, source?: string): string {
  const where = source ? `${source}${problem.line !== undefined ? `:${problem.line}` : ''}: ` : '';
  return `${where}${problem.path}: ${problem.message}`;
}

/** Finds the line of the deepest node of `path` that exists in the document. */
export function lineLocator(doc: Document, lines: LineCounter): (path: readonly PathSegment[]) => number | undefined {
  return (path) => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node);
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: unknown } | null | undefined)?.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

/** The keys an object schema accepts at `path`, for "did you mean". */
export function knownKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const segment of [...path, undefined]) {
    current = unwrap(current);
    if (segment === undefined) break;
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(segment)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodNullable
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

const EXPECTED_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  record: 'a mapping',
};

/** Messages in the voice of the rest of the tool, instead of the validator's defaults. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value': {
      if (issue.input === undefined) return 'is required';
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      const suggestion =
        typeof issue.input === 'string'
          ? closestMatch(
              issue.input,
              issue.values.map((v) => String(v)),
            )
          : undefined;
      return `must be one of ${allowed}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}, got ${describeValue(issue.input)}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`;
    default:
      return undefined;
  }
};

/** Flattens validator issues into problems; unknown keys become one problem each. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  locate: (path: readonly PathSegment[]) => number | undefined,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const suggestion = closestMatch(key, known);
        problems.push({
          path: formatPath([...path, key]),
          line: locate([...path, key]),
          message: `unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; allowed here: ${known.join(', ')}`,
        });
      }
      continue;
    }
    problems.push({ path: formatPath(path), line: locate(path), message: issue.message });
  }
  return problems;
}
