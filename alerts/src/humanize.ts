/**
 * Threshold constants as people read them ("26h", "64 MiB", "95%"), for the
 * rules' descriptions. The live value is formatted by the alerting engine's
 * own template functions instead (see units.ts).
 */

const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/** 93600 → "1d 2h"; 600 → "10m"; 0 → "0s". At most two parts: a threshold is never that precise. */
export function humanDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of DURATION_UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 67108864 → "64 MiB". */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${BYTE_UNITS[unit] ?? 'B'}`;
}

/** 0.95 → "95%". */
export function humanRatio(ratio: number): string {
  return `${Number((ratio * 100).toFixed(2))}%`;
}

/** 1000000 → "1,000,000". */
export function humanCount(count: number): string {
  return count.toLocaleString('en-US');
}

const WORDS: Record<string, [string, string]> = { s: ['second', 'seconds'], m: ['minute', 'minutes'], h: ['hour', 'hours'], d: ['day', 'days'] };

/** A rule's `for` as words: "15m" → "15 minutes", "1h" → "1 hour". */
export function humanFor(duration: string): string {
  const match = /^(\d+)([smhd])$/.exec(duration);
  if (!match) throw new Error(`"${duration}" is not a duration like 15m`);
  const count = Number(match[1]);
  const [one, many] = WORDS[match[2] ?? 's'] ?? ['second', 'seconds'];
  return `${count} ${count === 1 ? one : many}`;
}
