/**
 * Logs a backup source's trouble when it starts, changes or ends — not on
 * every scheduled run, so a repository that stays down for a day is a
 * handful of lines, not hundreds.
 */
import type { BackupSourceConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { SourceOutcome } from './readSource.js';

interface SourceState {
  /** The down reason, or undefined while up. Messages vary (stderr, sizes); reasons do not. */
  downReason: string | undefined;
  /** Rejection counts as last logged, e.g. `no_manifest=2`. */
  rejections: string;
}

export class SourceStateLog {
  private readonly states = new Map<string, SourceState>();

  record(log: Logger, source: BackupSourceConfig, outcome: SourceOutcome): void {
    const previous = this.states.get(source.name);
    const fields = { source: source.name, kind: source.kind };
    if (!outcome.up) {
      if (previous?.downReason === outcome.reason) {
        log.debug('backup_source.still_down', { ...fields, reason: outcome.reason, error: outcome.message });
      } else {
        log.warn('backup_source.down', { ...fields, reason: outcome.reason, error: outcome.message });
      }
      this.states.set(source.name, { downReason: outcome.reason, rejections: previous?.rejections ?? '' });
      return;
    }
    if (previous?.downReason !== undefined) log.info('backup_source.recovered', fields);
    const rejections = [...outcome.reading.rejected].filter(([, n]) => n > 0).map(([reason, n]) => `${reason}=${n}`).join(' ');
    if (rejections !== '' && rejections !== previous?.rejections) {
      log.warn('backup_source.not_counted', { ...fields, rejected: rejections, examples: outcome.reading.problems ?? [] });
    }
    this.states.set(source.name, { downReason: undefined, rejections });
  }
}
