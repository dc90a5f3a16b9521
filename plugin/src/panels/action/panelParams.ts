/**
 * The panel's params: JSON from the panel options with dashboard variables
 * replaced inside string values only (a variable holding a quote cannot
 * break the JSON). A whole-string variable that reads as a number or a
 * boolean becomes one, so `"pid": "$pid"` sends a number.
 */
import type { JsonValue } from '../../api/exporterTypes';

export type ReplaceVariables = (value: string) => string;

export type ParsedParams = { ok: true; params: Record<string, JsonValue> } | { ok: false; problem: string };

function substitute(value: JsonValue, replace: ReplaceVariables): JsonValue {
  if (typeof value === 'string') {
    const replaced = replace(value);
    if (/^\$\{?\w+\}?$/.test(value.trim())) {
      if (/^-?\d+(\.\d+)?$/.test(replaced)) {
        return Number(replaced);
      }
      if (replaced === 'true' || replaced === 'false') {
        return replaced === 'true';
      }
    }
    return replaced;
  }
  if (Array.isArray(value)) {
    return value.map((v) => substitute(v, replace));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, replace)]));
  }
  return value;
}

export function panelParams(text: string, replace: ReplaceVariables): ParsedParams {
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `The params are not valid JSON: ${(err as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, problem: 'The params must be a JSON object, e.g. {"table": "$table"}.' };
  }
  const params = substitute(parsed as JsonValue, replace) as Record<string, JsonValue>;
  return { ok: true, params };
}
