/**
 * alerts/thresholds.json, read and checked: the one source of alert
 * thresholds. The rules are generated from it and the Grafana app colours
 * its Overview with it, so a malformed entry must fail loudly here rather
 * than produce a rule that never fires.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './repositoryRoot.js';

export type Direction = 'above' | 'below';

export interface Threshold {
  direction: Direction;
  warning: number;
  critical: number;
  description: string;
  /** Extras such as `minBlocksPerSecond`: guards the rules use besides the two levels. */
  extras: Readonly<Record<string, number>>;
}

export type Thresholds = Readonly<Record<string, Threshold>>;

export const THRESHOLDS_FILE = 'alerts/thresholds.json';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one entry: both levels present, on the bad side of each other for the direction. */
function parseEntry(key: string, raw: unknown): Threshold {
  if (!isRecord(raw)) throw new Error(`thresholds.json: ${key} must be an object`);
  const { direction, warning, critical, description, ...rest } = raw;
  if (direction !== 'above' && direction !== 'below') throw new Error(`thresholds.json: ${key}.direction must be "above" or "below"`);
  if (typeof warning !== 'number' || typeof critical !== 'number') throw new Error(`thresholds.json: ${key} needs numeric warning and critical`);
  if (typeof description !== 'string' || description === '') throw new Error(`thresholds.json: ${key}.description must say what the value is`);
  const worse = direction === 'above' ? critical >= warning : critical <= warning;
  if (!worse) throw new Error(`thresholds.json: ${key}.critical (${critical}) must be at least as bad as warning (${warning}) for direction ${direction}`);
  const extras: Record<string, number> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (typeof value !== 'number') throw new Error(`thresholds.json: ${key}.${name} must be a number`);
    extras[name] = value;
  }
  return { direction, warning, critical, description, extras };
}

export function parseThresholds(text: string): Thresholds {
  const raw: unknown = JSON.parse(text);
  if (!isRecord(raw)) throw new Error('thresholds.json must hold an object');
  const out: Record<string, Threshold> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('$')) continue;
    out[key] = parseEntry(key, value);
  }
  return out;
}

export function loadThresholds(path = join(repositoryRoot(), THRESHOLDS_FILE)): Thresholds {
  return parseThresholds(readFileSync(path, 'utf8'));
}

/** An extra of an entry, or an error naming it: a rule must not guard on `undefined`. */
export function extra(threshold: Threshold, name: string): number {
  const value = threshold.extras[name];
  if (value === undefined) throw new Error(`thresholds.json: the rule needs ${name} in its entry`);
  return value;
}
