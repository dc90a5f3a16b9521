/** How numbers read on the pages: compact, in the units an SRE thinks in. */

const UNITS: Array<[string, number]> = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/** 0 s, 45 s, 3 m 20 s, 5 h 02 m, 12 d 4 h: the two largest units, minutes and seconds padded. */
export function formatDuration(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) {
    return '—';
  }
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  if (rest > 0 && rest < 0.01) {
    return `${sign}< 0.01 s`;
  }
  if (rest < 10) {
    return `${sign}${rest.toFixed(rest < 1 && rest > 0 ? 2 : rest % 1 === 0 ? 0 : 1)} s`;
  }
  rest = Math.round(rest);
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (parts.length === 2) {
      break;
    }
    const count = Math.floor(rest / size);
    if (count > 0 || parts.length > 0) {
      parts.push(`${parts.length > 0 && (unit === 'm' || unit === 's') ? String(count).padStart(2, '0') : count} ${unit}`);
      rest -= count * size;
    }
  }
  return sign + parts.join(' ');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) {
    return '—';
  }
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${bytes < 0 ? '-' : ''}${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** A ratio 0..1 as a percentage. */
export function formatPercent(ratio: number | undefined | null, digits = 1): string {
  if (ratio === undefined || ratio === null || !Number.isFinite(ratio)) {
    return '—';
  }
  return `${(ratio * 100).toFixed(digits)} %`;
}

export function formatCount(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) {
    return '—';
  }
  return Math.round(value).toLocaleString('en-US');
}

/** "5 m ago" from a Unix timestamp in seconds; "never" for 0 (the exporter's "none yet"). */
export function formatAgo(unixSeconds: number | undefined | null, nowMs = Date.now()): string {
  if (unixSeconds === undefined || unixSeconds === null || !Number.isFinite(unixSeconds)) {
    return '—';
  }
  if (unixSeconds <= 0) {
    return 'never';
  }
  return `${formatDuration(nowMs / 1000 - unixSeconds)} ago`;
}

/** An ISO time as `2026-12-07 03:20:24 UTC`: on-call reads UTC, the same on every screen. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
