/**
 * Every call the app makes to the exporter, through Grafana's plugin proxy
 * (`api/plugin-proxy/<app id>/<path>`), with the least Grafana role that
 * may make it. The client builds its URLs from this table only, and a test
 * matches each entry against plugin.json's routes (as Grafana matches them)
 * and the exporter's OpenAPI document, so the three cannot drift apart.
 *
 * Kept free of imports: the repository's test runner reads it directly.
 */
export type GrafanaRole = 'Viewer' | 'Editor' | 'Admin';

export interface ExporterCall {
  method: 'GET' | 'POST';
  /** Below the plugin proxy; `{name}` and `{id}` are filled in, URL-encoded. */
  path: string;
  role: GrafanaRole;
}

export const EXPORTER_CALLS = {
  readiness: { method: 'GET', path: 'readyz', role: 'Viewer' },
  whoami: { method: 'GET', path: 'api/whoami', role: 'Viewer' },
  targets: { method: 'GET', path: 'api/targets', role: 'Viewer' },
  sessions: { method: 'GET', path: 'api/targets/{name}/sessions', role: 'Viewer' },
  backups: { method: 'GET', path: 'api/targets/{name}/backups', role: 'Viewer' },
  actions: { method: 'GET', path: 'api/actions', role: 'Viewer' },
  jobs: { method: 'GET', path: 'api/jobs', role: 'Viewer' },
  job: { method: 'GET', path: 'api/jobs/{id}', role: 'Viewer' },
  audit: { method: 'GET', path: 'api/audit', role: 'Viewer' },
  // Grafana's own roles decide: the operator route makes the exporter treat
  // its token as an operator's, the admin route as an admin's.
  submitAsOperator: { method: 'POST', path: 'operator/jobs', role: 'Editor' },
  submitAsAdmin: { method: 'POST', path: 'admin/jobs', role: 'Admin' },
  cancelAsOperator: { method: 'POST', path: 'operator/jobs/{id}/cancel', role: 'Editor' },
  cancelAsAdmin: { method: 'POST', path: 'admin/jobs/{id}/cancel', role: 'Admin' },
} as const satisfies Record<string, ExporterCall>;

export type ExporterCallName = keyof typeof EXPORTER_CALLS;

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
