/**
 * Logs the trouble of one thing among many (a disk path, a certificate
 * file, a database) when it starts or its reason changes (warn), while it
 * lasts (debug, optional) and when it ends (info): a path that stays broken
 * for a day is two lines, not one per scrape.
 */
import type { Logger } from './log.js';

export interface TroubleEvents {
  started: string;
  continuing?: string;
  ended: string;
}

export interface Trouble {
  /** What decides "changed": a bounded reason, or the message itself. */
  reason: string;
  message: string;
}

export class TroubleLog {
  /** The reason per key; absent while the thing is fine. */
  private readonly reasons = new Map<string, string>();

  constructor(private readonly events: TroubleEvents) {}

  /** One thing's state this run; `trouble` undefined when it is fine. `fields` name the thing in every line. */
  record(log: Logger, key: string, fields: Record<string, unknown>, trouble: Trouble | undefined): void {
    const previous = this.reasons.get(key);
    if (trouble === undefined) {
      if (previous !== undefined) log.info(this.events.ended, fields);
      this.reasons.delete(key);
      return;
    }
    const line = { ...fields, reason: trouble.reason, error: trouble.message };
    if (previous !== trouble.reason) log.warn(this.events.started, line);
    else if (this.events.continuing) log.debug(this.events.continuing, line);
    this.reasons.set(key, trouble.reason);
  }

  /** Ends the trouble of every key not in `current` (a problem that no longer came up this run). */
  endAllBut(log: Logger, current: ReadonlySet<string>, fieldsOf: (key: string) => Record<string, unknown>): void {
    for (const key of [...this.reasons.keys()]) if (!current.has(key)) this.record(log, key, fieldsOf(key), undefined);
  }
}
