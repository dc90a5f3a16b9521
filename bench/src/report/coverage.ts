/**
 * The "covers" rows: what each exporter actually exposes about a topic,
 * judged by the metric names present in its scrape of the bench instance,
 * never by what its documentation promises. A family that exists but failed
 * to produce series on this run counts as not covered.
 */
import { isRuntimeMetric } from './exposition.js';

export interface Topic {
  topic: string;
  pattern: RegExp;
}

export const TOPICS: readonly Topic[] = [
  { topic: 'bloat estimate', pattern: /bloat/ },
  { topic: 'dead tuples per table', pattern: /dead_tup/ },
  { topic: 'last vacuum / analyze per table', pattern: /last_(auto)?(vacuum|analyze)/ },
  { topic: 'slow statements (pg_stat_statements)', pattern: /stat_statements|_statement_/ },
  { topic: 'replication lag', pattern: /lag|lsn_diff/ },
  { topic: 'backups / WAL archiving', pattern: /backup|archiv/ },
  { topic: 'TLS certificates', pattern: /tls|cert/ },
  { topic: 'disk space', pattern: /disk|filesystem/ },
];

/**
 * Not evidence of a topic: exporter self-metrics (they name collectors, not
 * the database's state), and postgres_exporter's copy of pg_settings (a
 * setting such as log_min_duration_statement or archive_timeout is
 * configuration, not a report on statements or archiving).
 */
const NOT_EVIDENCE = /^(upkeep_collector_|upkeep_series_count|upkeep_build_info|pg_exporter_|pg_settings_)/;

export function coverageCell(byName: ReadonlyMap<string, number>, topic: Topic): string {
  const families = [...byName.entries()].filter(([name]) => !isRuntimeMetric(name) && !NOT_EVIDENCE.test(name) && topic.pattern.test(name));
  if (families.length === 0) return 'no';
  const series = families.reduce((sum, [, n]) => sum + n, 0);
  const shown = families
    .slice(0, 2)
    .map(([name]) => `\`${name}\``)
    .join(', ');
  const more = families.length > 2 ? ` +${families.length - 2}` : '';
  return `yes: ${shown}${more} (${series} series)`;
}
