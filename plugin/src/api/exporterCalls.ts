/**
 * Every call the app makes to the exporter, through Grafana's plugin proxy
 * (`api/plugin-proxy/<app id>/<path>`), with the least Grafana role that
 * may make it: exporterCalls.json. The client builds its URLs from that
 * table only, and a repository test matches each entry against plugin.json's
 * routes (as Grafana matches them) and the exporter's OpenAPI document, so
 * the three cannot drift apart. Every route tells the exporter the role of
 * the Grafana users allowed on it (X-Upkeep-Role-Limit): viewer on `api/`,
 * operator on `operator/`, admin on `admin/`. Writes, and the reads that show
 * more to operators (session text), go to the route of the user's own role.
 */
import calls from './exporterCalls.json';

export type GrafanaRole = 'Viewer' | 'Editor' | 'Admin';

export interface ExporterCall {
  method: 'GET' | 'POST';
  /** Below the plugin proxy; `{name}` and `{id}` are filled in, URL-encoded. */
  path: string;
  role: GrafanaRole;
}

export type ExporterCallName = keyof typeof calls;

export const EXPORTER_CALLS = calls as Record<ExporterCallName, ExporterCall>;

/** Fills `{name}`-style placeholders, each value URL-encoded; a missing value is a programming error. */
export function fillPath(path: string, values: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) {
      throw new Error(`no value for {${key}} in ${path}`);
    }
    return encodeURIComponent(value);
  });
}
