import { queryInstant, type QuerySet, type Sample } from '../api/prometheus';
import { useUpkeepSession } from '../session/UpkeepSession';
import { useLoader, type Loaded } from './useLoader';

/** Pages refresh their metrics this often; after a job they refresh at once too. */
export const METRICS_REFRESH_MS = 15_000;

/** Instant queries against the app's Prometheus, reloaded when the expressions change and every 15 s. */
export function useMetrics<K extends string>(queries: QuerySet<K>, refreshMs = METRICS_REFRESH_MS): Loaded<Record<K, Sample[]>> {
  const { settings } = useUpkeepSession();
  const uid = settings.prometheusDatasourceUid;
  return useLoader(() => queryInstant(uid, queries), `${uid ?? ''}\n${JSON.stringify(queries)}`, refreshMs);
}
