import { formatAgo, formatBytes, formatDuration, formatPercent, formatTime } from './values';

describe('formatting', () => {
  it.each([
    [0, '0 s'],
    [0.25, '0.25 s'],
    [0.0003, '< 0.01 s'],
    [45, '45 s'],
    [200, '3 m 20 s'],
    [18_120, '5 h 02 m'],
    [2 * 86_400 + 3 * 3600, '2 d 3 h'],
    [-90, '-1 m 30 s'],
    [Number.NaN, '—'],
  ])('a duration of %s seconds reads %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('reads bytes in binary units, ratios as percent, timestamps as UTC and 0 as never', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(300 * 1024 ** 2)).toBe('300 MiB');
    expect(formatPercent(0.995)).toBe('99.5 %');
    expect(formatAgo(0)).toBe('never');
    expect(formatAgo(100, 160_000)).toBe('1 m 00 s ago');
    expect(formatTime('2026-12-07T03:20:24.123Z')).toBe('2026-12-07 03:20:24 UTC');
  });
});
