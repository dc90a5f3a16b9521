/**
 * Reading the parsed YAML before it is validated: checks that must report
 * even when other fields are wrong use these instead of trusting the shape.
 */

export type RawMapping = Record<string, unknown>;

export function asRecord(value: unknown): RawMapping | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as RawMapping) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
