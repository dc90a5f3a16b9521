/**
 * Instant PromQL queries through Grafana's query API (`POST /api/ds/query`)
 * against the Prometheus data source chosen in the app settings: Grafana
 * holds the data source's URL and credentials, the browser never does.
 * Several expressions go in one request, one refId each.
 */
import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { RequestError, toRequestError } from './requestErrors';

/** One series of an instant vector. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface FieldJson {
  name?: string;
  type?: string;
  labels?: Record<string, string>;
}

/** A data frame as Grafana's query API sends it (schema and columns of values). */
export interface FrameJson {
  schema?: { refId?: string; fields?: FieldJson[] };
  data?: { values?: unknown[][]; entities?: Array<{ NaN?: number[]; Inf?: number[]; NegInf?: number[] } | null> };
}

interface QueryResponse {
  results?: Record<string, { frames?: FrameJson[]; error?: string; status?: number }>;
}

/** A refId per expression; the answer has the same keys. */
export type QuerySet<K extends string> = Record<K, string>;

export async function queryInstant<K extends string>(datasourceUid: string | undefined, expressions: QuerySet<K>): Promise<Record<K, Sample[]>> {
  if (!datasourceUid) {
    throw new RequestError(0, 'not_configured', 'No Prometheus data source is chosen: pick one in the app configuration.');
  }
  const refIds = Object.keys(expressions) as K[];
  const now = Date.now();
  const body = {
    queries: refIds.map((refId) => ({
      refId,
      datasource: { type: 'prometheus', uid: datasourceUid },
      expr: expressions[refId],
      instant: true,
      range: false,
      intervalMs: 15_000,
      maxDataPoints: 1,
    })),
    from: String(now - 5 * 60_000),
    to: String(now),
  };
  let response: QueryResponse;
  try {
    response = (await lastValueFrom(getBackendSrv().fetch<QueryResponse>({ url: '/api/ds/query', method: 'POST', data: body, showErrorAlert: false }))).data;
  } catch (err) {
    // Grafana answers 400 (or 207) when any query failed, with each query's own error in the body.
    const data = (err as { data?: unknown } | null)?.data as QueryResponse | undefined;
    if (!data?.results) {
      throw toRequestError(err, 'query Prometheus');
    }
    response = data;
  }
  const out = {} as Record<K, Sample[]>;
  for (const refId of refIds) {
    const result = response.results?.[refId];
    if (result?.error) {
      throw new RequestError(result.status ?? 500, 'query_failed', `Prometheus refused ${expressions[refId]}: ${result.error}`);
    }
    out[refId] = (result?.frames ?? []).flatMap(samplesOfFrame);
  }
  return out;
}

/** The last value of each numeric column of a frame, with that column's labels. */
export function samplesOfFrame(frame: FrameJson): Sample[] {
  const fields = frame.schema?.fields ?? [];
  const values = frame.data?.values ?? [];
  const samples: Sample[] = [];
  fields.forEach((field, index) => {
    if (field.type !== 'number') {
      return;
    }
    const column = values[index] ?? [];
    if (column.length === 0) {
      return;
    }
    const last = column.length - 1;
    samples.push({ labels: { ...(field.labels ?? {}) }, value: numberAt(column[last], frame.data?.entities?.[index], last) });
  });
  return samples;
}

/** Grafana's JSON carries NaN and ±Inf out of band, as indexes in `entities`. */
function numberAt(raw: unknown, entities: { NaN?: number[]; Inf?: number[]; NegInf?: number[] } | null | undefined, index: number): number {
  if (entities?.NaN?.includes(index)) {
    return Number.NaN;
  }
  if (entities?.Inf?.includes(index)) {
    return Number.POSITIVE_INFINITY;
  }
  if (entities?.NegInf?.includes(index)) {
    return Number.NEGATIVE_INFINITY;
  }
  return typeof raw === 'number' ? raw : Number(raw);
}
