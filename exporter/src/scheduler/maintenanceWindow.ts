/**
 * Maintenance windows: the hours of the day, on the wall clock of a time
 * zone, in which a scheduled action may start. A window may cross midnight
 * (22:00–04:00); its end is exclusive, so 22:00–04:00 admits 03:59 but not
 * 04:00. The wall clock is what an SRE writes down, so daylight-saving
 * shifts move the window with local time, as people expect.
 */

export interface MaintenanceWindow {
  /** `HH:MM`, 24-hour. */
  start: string;
  /** `HH:MM`, 24-hour, exclusive; before `start` means the window crosses midnight. */
  end: string;
  /** IANA zone such as `Europe/Berlin`. */
  timezone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** Minutes after local midnight in `timezone` at the instant `at`. */
export function minuteOfDay(at: Date, timezone: string): number {
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timezone).formatToParts(at)) {
    if (part.type === 'hour') hour = Number(part.value);
    if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

function minutesOf(hhmm: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new Error(`not a time of day HH:MM: ${JSON.stringify(hhmm)}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

export function isInsideWindow(at: Date, window: MaintenanceWindow): boolean {
  const now = minuteOfDay(at, window.timezone);
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** `22:00–04:00 Europe/Berlin`, for logs and the audit log. */
export function describeWindow(window: MaintenanceWindow): string {
  return `${window.start}–${window.end} ${window.timezone}`;
}
