/**
 * Every exporter call the Grafana app makes goes through a plugin.json route
 * that Grafana would pick for it (method, path, first match wins), with the
 * Grafana role the app expects, to an exporter path and method that exist
 * in the exporter's OpenAPI document; write routes limit the exporter role
 * to the Grafana role's; no route is unused.
 */
import { describe, expect, it } from 'vitest';
import { actions } from '../../exporter/src/actions/index.js';
import { openApiDocument } from '../../exporter/src/http/openapi.js';
import { findRoute, upstreamRequest, type GrafanaRole, type PluginRoute } from './grafanaProxyRoutes.js';
import { appPluginJson, PLUGIN_SRC, readJson } from './pluginFiles.js';
import { join } from 'node:path';

interface ExporterCall {
  method: 'GET' | 'POST';
  path: string;
  role: GrafanaRole;
}

/** The app's table of exporter calls, the one its client builds URLs from. */
const EXPORTER_CALLS = readJson<Record<string, ExporterCall>>(join(PLUGIN_SRC, 'api', 'exporterCalls.json'));
const fillPath = (path: string, values: Record<string, string>) => path.replace(/\{(\w+)\}/g, (_all, key: string) => encodeURIComponent(values[key] ?? ''));

const EXPORTER_URL = 'http://upkeep.test:9854';
const SAMPLE_VALUES = { name: 'main', id: '00000000-0000-4000-8000-000000000001' };
/** What each route tells the exporter the Grafana user is. */
const ROLE_LIMIT: Record<GrafanaRole, string> = { Viewer: 'viewer', Editor: 'operator', Admin: 'admin' };

const openApi = openApiDocument(actions) as { paths: Record<string, Record<string, unknown>> };

/** The OpenAPI path template an exporter path falls under, if any. */
function documentedPath(path: string): string | undefined {
  return Object.keys(openApi.paths).find((template) => new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
}

describe('plugin.json proxy routes', () => {
  const routes = appPluginJson().routes ?? [];
  const used = new Set<PluginRoute>();

  it.each(Object.entries(EXPORTER_CALLS))('%s reaches a documented exporter endpoint through the right route', (_name, call) => {
    const match = findRoute(routes, call.method, fillPath(call.path, SAMPLE_VALUES));
    expect(match, `no route for ${call.method} ${call.path}`).toBeDefined();
    used.add(match!.route);
    expect(match!.route.reqRole).toBe(call.role);
    const upstream = upstreamRequest(match!, { JsonData: { exporterUrl: EXPORTER_URL }, SecureJsonData: { exporterToken: 'secret-token' } });
    const url = new URL(upstream.url);
    expect(url.origin).toBe(EXPORTER_URL);
    const documented = documentedPath(url.pathname);
    expect(documented, `${url.pathname} is not in the exporter's OpenAPI document`).toBeDefined();
    expect(Object.keys(openApi.paths[documented!] ?? {}), `${call.method} ${documented}`).toContain(call.method.toLowerCase());
    expect(upstream.headers.Authorization).toBe('Bearer secret-token');
    expect(upstream.headers['X-Upkeep-Role-Limit']).toBe(ROLE_LIMIT[call.role]);
  });

  it('has no route the app does not use, and none a browser could reach with a wrong method', () => {
    for (const call of Object.values(EXPORTER_CALLS)) {
      const match = findRoute(routes, call.method, fillPath(call.path, SAMPLE_VALUES));
      if (match) {
        used.add(match.route);
      }
    }
    expect(routes.filter((r) => !used.has(r)).map((r) => r.path)).toEqual([]);
    for (const route of routes) {
      expect(route.method, `route ${route.path} must name one method: Grafana compares it exactly`).toMatch(/^(GET|POST)$/);
    }
    // A Viewer's GET route must not reach anything that changes state, nor a Viewer an operator's read.
    expect(findRoute(routes, 'POST', 'api/jobs')).toBeUndefined();
    expect(findRoute(routes, 'GET', 'operator/targets/main/sessions')?.route.reqRole).toBe('Editor');
    expect(findRoute(routes, 'GET', 'admin/jobs')).toBeUndefined();
  });
});
