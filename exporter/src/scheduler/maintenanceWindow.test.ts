import { describe, expect, it } from 'vitest';
import { describeWindow, isInsideWindow, minuteOfDay } from './maintenanceWindow.js';

const utc = (iso: string) => new Date(`${iso}Z`);

describe('maintenance windows', () => {
  it('admits the start and excludes the end of a same-day window', () => {
    const window = { start: '01:30', end: '03:00', timezone: 'UTC' };
    expect(isInsideWindow(utc('2024-05-01T01:29:59'), window)).toBe(false);
    expect(isInsideWindow(utc('2024-05-01T01:30:00'), window)).toBe(true);
    expect(isInsideWindow(utc('2024-05-01T02:59:59'), window)).toBe(true);
    expect(isInsideWindow(utc('2024-05-01T03:00:00'), window)).toBe(false);
  });

  it('crosses midnight when the end is before the start', () => {
    const window = { start: '22:00', end: '04:00', timezone: 'UTC' };
    expect(isInsideWindow(utc('2024-05-01T21:59:00'), window)).toBe(false);
    expect(isInsideWindow(utc('2024-05-01T22:00:00'), window)).toBe(true);
    expect(isInsideWindow(utc('2024-05-01T23:59:00'), window)).toBe(true);
    expect(isInsideWindow(utc('2024-05-02T00:00:00'), window)).toBe(true);
    expect(isInsideWindow(utc('2024-05-02T03:59:00'), window)).toBe(true);
    expect(isInsideWindow(utc('2024-05-02T04:00:00'), window)).toBe(false);
    expect(isInsideWindow(utc('2024-05-02T12:00:00'), window)).toBe(false);
  });

  it('reads the wall clock of the window\'s time zone, daylight saving included', () => {
    const window = { start: '02:00', end: '03:00', timezone: 'Europe/Berlin' };
    // 00:30 UTC is 02:30 in Berlin in summer (UTC+2) but 01:30 in winter (UTC+1).
    expect(isInsideWindow(utc('2024-07-01T00:30:00'), window)).toBe(true);
    expect(isInsideWindow(utc('2024-01-15T00:30:00'), window)).toBe(false);
    expect(isInsideWindow(utc('2024-01-15T01:30:00'), window)).toBe(true);
    expect(minuteOfDay(utc('2024-01-15T23:30:00'), 'Asia/Kolkata')).toBe(5 * 60); // UTC+5:30, next day
  });

  it('is described the way it is configured', () => {
    expect(describeWindow({ start: '22:00', end: '04:00', timezone: 'Europe/Berlin' })).toBe('22:00–04:00 Europe/Berlin');
  });
});
