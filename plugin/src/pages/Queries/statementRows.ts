/** Top statements of a target, by execution time per second, joined with their calls, rows, mean and text. */
import type { Sample } from '../../api/prometheus';
import type { queryQueries } from '../../metrics/queries';
import { indexBy, keyOf } from '../../metrics/samples';

export type QueryMetrics = Record<keyof ReturnType<typeof queryQueries>, Sample[]>;

export interface StatementRow {
  id: string;
  database: string;
  user: string;
  queryid: string;
  /** Seconds of execution per second: the share of one core this statement keeps busy. */
  timePerSecond: number;
  callsPerSecond: number | undefined;
  rowsPerSecond: number | undefined;
  meanSeconds: number | undefined;
  query: string | undefined;
}

const LABELS = ['datname', 'user', 'queryid'] as const;

export function statementRows(m: QueryMetrics): StatementRow[] {
  const calls = indexBy(m.calls, LABELS);
  const rows = indexBy(m.rows, LABELS);
  const mean = indexBy(m.mean, LABELS);
  const text = indexBy(m.text, LABELS);
  return m.topByTime
    .map((s) => {
      const id = keyOf(s.labels, LABELS);
      return {
        id,
        database: s.labels.datname ?? '',
        user: s.labels.user ?? '',
        queryid: s.labels.queryid ?? '',
        timePerSecond: s.value,
        callsPerSecond: calls.get(id)?.value,
        rowsPerSecond: rows.get(id)?.value,
        meanSeconds: mean.get(id)?.value,
        query: text.get(id)?.labels.query,
      };
    })
    .sort((a, b) => b.timePerSecond - a.timePerSecond);
}
