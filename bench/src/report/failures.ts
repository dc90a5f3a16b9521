/**
 * What each exporter itself says went wrong: Upkeep through its health
 * series, postgres_exporter through pg_exporter_last_scrape_error and the
 * error lines it logs (a failing custom query is only logged).
 */
import { samplesOf } from './exposition.js';

export function upkeepFailures(body: string): string[] {
  const collectors = samplesOf(body, 'upkeep_collector_success')
    .filter((s) => s.value === 0)
    .map((s) => `collector ${s.labels.collector ?? '?'} on ${s.labels.target ?? '?'}`);
  const targets = samplesOf(body, 'upkeep_target_up')
    .filter((s) => s.value === 0)
    .map((s) => `target ${s.labels.target ?? '?'} down`);
  return [...targets, ...collectors];
}

/** A failing target set can be long (50 targets): name a few, count the rest. */
export function summarize(failures: readonly string[], shown = 4): string[] {
  if (failures.length <= shown) return [...failures];
  return [...failures.slice(0, shown), `… ${failures.length - shown} more`];
}

/** Its own errors, and the failed queries it logs at info level ("Error running query on database"). */
const ERROR_LINE = /level=error|err="Error running query/;

/** Its message, without the timestamp and caller that make every line distinct. */
function messageOf(line: string): string {
  return line
    .replace(/\bts=\S+\s*/, '')
    .replace(/\bcaller=\S+\s*/, '')
    .slice(0, 400);
}

export function postgresExporterFailures(body: string, logLines: readonly string[]): { failures: string[]; notes: string[] } {
  const failures: string[] = [];
  const lastError = body.match(/^pg_exporter_last_scrape_error (\S+)$/m);
  if (lastError && Number(lastError[1]) !== 0) failures.push(`pg_exporter_last_scrape_error ${lastError[1]}`);
  const errors = logLines.filter((l) => ERROR_LINE.test(l));
  if (errors.length > 0) failures.push(`${errors.length} error log lines (see notes)`);
  const distinct = [...new Set(errors.map(messageOf))];
  const notes = distinct.slice(0, 5).map((m) => `logged (${errors.filter((l) => messageOf(l) === m).length}×): ${m}`);
  return { failures, notes };
}
