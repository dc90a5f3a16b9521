/** Number formatting for the report: fixed precision, so figures line up and diffs stay small. */

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** MB = 10^6 bytes, the unit issue 8's RSS target is written in. */
export function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** `other ÷ upkeep`, e.g. "3.2×"; "n/a" when either is missing or Upkeep's is zero. */
export function ratio(other: number, upkeep: number): string {
  if (!Number.isFinite(other) || !Number.isFinite(upkeep) || upkeep === 0) return 'n/a';
  const r = other / upkeep;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

export function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}
