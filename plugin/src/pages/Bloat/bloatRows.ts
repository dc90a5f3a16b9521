/** The Bloat & vacuum page's rows: one per table the exporter reports, joined across its metrics. */
import type { Sample } from '../../api/prometheus';
import { indexBy, keyOf } from '../../metrics/samples';
import { severityOf, thresholdExtra, worstSeverity, type Severity } from '../../metrics/thresholds';
import type { bloatQueries } from '../../metrics/queries';

export type BloatMetrics = Record<keyof ReturnType<typeof bloatQueries>, Sample[]>;

export interface TableRow {
  id: string;
  database: string;
  /** schema.table, as the vacuum, analyze and reindex actions take it. */
  table: string;
  sizeBytes: number | undefined;
  bloatBytes: number | undefined;
  bloatRatio: number | undefined;
  deadTuples: number | undefined;
  lastVacuum: number | undefined;
  lastAnalyze: number | undefined;
  bloatSeverity: Severity;
  deadSeverity: Severity;
  vacuumSeverity: Severity;
}

export interface DatabaseRow {
  database: string;
  xidAge: number | undefined;
  invalidIndexes: number | undefined;
  xidSeverity: Severity;
}

const TABLE_LABELS = ['datname', 'schema', 'table'] as const;

/** The newest of the manual and automatic runs. */
function newest(samples: Sample[], labels: Record<string, string>): number | undefined {
  const key = keyOf(labels, TABLE_LABELS);
  const times = samples.filter((s) => keyOf(s.labels, TABLE_LABELS) === key).map((s) => s.value);
  return times.length > 0 ? Math.max(...times) : undefined;
}

export function tableRows(m: BloatMetrics, nowMs = Date.now()): TableRow[] {
  const bytes = indexBy(m.bloatBytes, TABLE_LABELS);
  const ratio = indexBy(m.bloatRatio, TABLE_LABELS);
  const dead = indexBy(m.deadTuples, TABLE_LABELS);
  const size = indexBy(m.size, TABLE_LABELS);
  const keys = new Map<string, Record<string, string>>();
  for (const s of [...m.size, ...m.deadTuples, ...m.bloatBytes]) {
    keys.set(keyOf(s.labels, TABLE_LABELS), s.labels);
  }
  const floor = thresholdExtra('tableBloatRatio', 'minBloatBytes') ?? 0;
  const vacuumFloor = thresholdExtra('vacuumAgeSeconds', 'minDeadTuples') ?? 1;
  return [...keys.entries()].map(([id, labels]) => {
    const bloatBytes = bytes.get(id)?.value;
    const bloatRatio = ratio.get(id)?.value;
    const deadTuples = dead.get(id)?.value;
    const lastVacuum = newest(m.lastVacuum, labels);
    const vacuumAge = lastVacuum === undefined ? undefined : nowMs / 1000 - lastVacuum;
    return {
      id,
      database: labels.datname ?? '',
      table: `${labels.schema}.${labels.table}`,
      sizeBytes: size.get(id)?.value,
      bloatBytes,
      bloatRatio,
      deadTuples,
      lastVacuum,
      lastAnalyze: newest(m.lastAnalyze, labels),
      // As the alert: the ratio counts only for tables with enough bloat to matter.
      bloatSeverity:
        bloatBytes !== undefined && bloatBytes >= floor
          ? severityOf('tableBloatRatio', bloatRatio)
          : bloatRatio === undefined
            ? 'unknown'
            : 'ok',
      deadSeverity: severityOf('deadTuples', deadTuples),
      // Never vacuumed: no age to judge (the alert has no series either).
      vacuumSeverity:
        vacuumAge === undefined
          ? 'unknown'
          : (deadTuples ?? 0) >= vacuumFloor
            ? severityOf('vacuumAgeSeconds', vacuumAge)
            : 'ok',
    };
  });
}

export function databaseRows(m: BloatMetrics): DatabaseRow[] {
  const invalid = indexBy(m.invalidIndexes, ['datname']);
  return m.xidAge.map((s) => ({
    database: s.labels.datname ?? '',
    xidAge: s.value,
    invalidIndexes: invalid.get(keyOf(s.labels, ['datname']))?.value,
    xidSeverity: severityOf('xidAge', s.value),
  }));
}

export function rowSeverity(row: TableRow): Severity {
  return worstSeverity([row.bloatSeverity, row.deadSeverity, row.vacuumSeverity]);
}
