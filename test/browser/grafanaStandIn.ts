/**
 * The browser test's stand-in for Grafana's server (none runs here): it
 * serves the host page, the built plugin under /public/plugins/<id>/ as
 * Grafana does, and the three APIs the app uses —
 *
 * - /api/plugin-proxy/<id>/…: plugin.json's routes applied as Grafana's
 *   proxy applies them (grafanaProxyRoutes.ts: first match by method and
 *   path, the user's role against reqRole, the URL and headers templated
 *   from the app's settings, X-Grafana-Context naming the user), forwarded
 *   to the real exporter;
 * - /api/ds/query: instant queries forwarded to a real Prometheus, its
 *   answer framed as Grafana's Prometheus backend frames it;
 * - /api/plugins/<id>/settings: the app's settings, secrets kept server-side.
 *
 * The signed-in user is the `grafana_user` cookie (`login:Role`).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative } from 'node:path';
import { findRoute, roleIncludes, upstreamRequest, type GrafanaRole, type PluginRoute } from '../plugin/grafanaProxyRoutes.js';
import { PLUGIN_DIR, PLUGIN_DIST, REPO_ROOT } from '../plugin/pluginFiles.js';

const PLUGIN_ID = 'upkeep-maintenance-app';
const ICONS = join(REPO_ROOT, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');

const TYPES: Record<string, string> = {
  '.js': 'application/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.md': 'text/markdown',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
};

export interface AppSettingsState {
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

export interface StandInOptions {
  prometheusUrl: string;
  hostScript: string;
  hostStylesheet: string | undefined;
  settings: AppSettingsState;
}

/** What the stand-in forwarded, for tests that check what reached the exporter. */
export interface ForwardedRequest {
  method: string;
  path: string;
  user: string;
  status: number;
}

interface User {
  login: string;
  role: GrafanaRole;
}

function userOf(req: IncomingMessage): User {
  const cookie = /(?:^|;\s*)grafana_user=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const [login = 'viewer', role = 'Viewer'] = decodeURIComponent(cookie ?? 'viewer:Viewer').split(':');
  return { login, role: (['Viewer', 'Editor', 'Admin'].includes(role) ? role : 'Viewer') as GrafanaRole };
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

async function sendFile(res: ServerResponse, root: string, path: string): Promise<void> {
  const file = normalize(join(root, path));
  if (relative(root, file).startsWith('..')) {
    json(res, 403, { message: 'outside the served directory' });
    return;
  }
  try {
    const content = await readFile(file);
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(content);
  } catch {
    json(res, 404, { message: `no ${path}` });
  }
}

/** Grafana's Prometheus backend answer for an instant vector: one frame per series, NaN and ±Inf out of band. */
export function framesOf(refId: string, result: Array<{ metric: Record<string, string>; value: [number, string] }>): unknown[] {
  return result.map(({ metric, value }) => {
    const number = Number(value[1]);
    const entities = Number.isNaN(number) ? { NaN: [0] } : number === Infinity ? { Inf: [0] } : number === -Infinity ? { NegInf: [0] } : null;
    const { __name__: name, ...labels } = metric;
    return {
      schema: {
        refId,
        name,
        fields: [
          { name: 'Time', type: 'time', typeInfo: { frame: 'time.Time' } },
          { name: 'Value', type: 'number', typeInfo: { frame: 'float64' }, labels },
        ],
      },
      data: { values: [[value[0] * 1000], [Number.isFinite(number) ? number : null]], ...(entities ? { entities: [null, entities] } : {}) },
    };
  });
}

export class GrafanaStandIn {
  readonly forwarded: ForwardedRequest[] = [];
  private server: Server | undefined;
  private routes: PluginRoute[] = [];

  constructor(private readonly options: StandInOptions) {}

  get settings(): AppSettingsState {
    return this.options.settings;
  }

  async start(): Promise<string> {
    const pluginJson = JSON.parse(await readFile(join(PLUGIN_DIST, 'plugin.json'), 'utf8')) as { routes?: PluginRoute[] };
    this.routes = pluginJson.routes ?? [];
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => json(res, 500, { message: String(err) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname;
    if (path.startsWith(`/api/plugin-proxy/${PLUGIN_ID}/`)) return this.proxy(req, res, path.slice(`/api/plugin-proxy/${PLUGIN_ID}/`.length), url.search);
    if (path === '/api/ds/query' && req.method === 'POST') return this.dsQuery(req, res);
    if (path === `/api/plugins/${PLUGIN_ID}/settings`) return this.pluginSettings(req, res);
    if (path.startsWith(`/public/plugins/${PLUGIN_ID}/`)) return sendFile(res, PLUGIN_DIST, path.slice(`/public/plugins/${PLUGIN_ID}/`.length));
    if (path.startsWith('/public/build/img/icons/')) return sendFile(res, ICONS, path.slice('/public/build/img/icons/'.length));
    if (path === '/public/build/host.js') return sendFile(res, '/', this.options.hostScript);
    if (path === '/public/build/host.css' && this.options.hostStylesheet) return sendFile(res, '/', this.options.hostStylesheet);
    if (path.startsWith('/public/')) return json(res, 404, { message: `no ${path}` });
    if (path.startsWith('/api/')) return json(res, 404, { message: `the stand-in has no ${req.method} ${path}` });
    return this.hostPage(req, res);
  }

  private hostPage(req: IncomingMessage, res: ServerResponse): void {
    const user = userOf(req);
    const bootData = { settings: { appSubUrl: '', buildInfo: { version: '13.1.1', edition: 'Open Source' } }, user: { login: user.login, name: user.login, orgRole: user.role, isSignedIn: true, lightTheme: false }, navTree: [] };
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Upkeep — Grafana stand-in</title>
${this.options.hostStylesheet ? '<link rel="stylesheet" href="/public/build/host.css">' : ''}
<script>window.grafanaBootData = ${JSON.stringify(bootData)}; window.__grafana_public_path__ = "/public/";</script>
</head><body class="theme-dark"><div id="root"></div><script src="/public/build/host.js"></script></body></html>`);
  }

  private async proxy(req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> {
    const user = userOf(req);
    const method = req.method ?? 'GET';
    const match = findRoute(this.routes, method, path);
    if (!match) {
      json(res, 404, { message: 'plugin route match not found' });
      return;
    }
    if (match.route.reqRole && !roleIncludes(user.role, match.route.reqRole)) {
      json(res, 403, { message: 'plugin proxy route access denied' });
      return;
    }
    const { settings } = this.options;
    const upstream = upstreamRequest(match, { JsonData: settings.jsonData, SecureJsonData: settings.secureJsonData }, search);
    const payload = method === 'GET' ? undefined : await body(req);
    let answer: Response;
    try {
      answer = await fetch(upstream.url, {
        method,
        headers: {
          ...(req.headers['content-type'] ? { 'Content-Type': req.headers['content-type'] } : {}),
          ...upstream.headers,
          'X-Grafana-Context': JSON.stringify({ UserID: 2, OrgID: 1, OrgRole: user.role, Login: user.login, Name: user.login }),
        },
        body: payload && payload.length > 0 ? payload.toString('utf8') : undefined,
      });
    } catch (err) {
      json(res, 502, { message: `Bad Gateway: ${String(err)}` });
      return;
    }
    this.forwarded.push({ method, path: new URL(upstream.url).pathname, user: user.login, status: answer.status });
    res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  }

  private async dsQuery(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = JSON.parse((await body(req)).toString('utf8')) as { queries: Array<{ refId: string; expr: string; datasource?: { uid?: string } }> };
    const results: Record<string, unknown> = {};
    for (const query of request.queries) {
      const answer = await fetch(`${this.options.prometheusUrl}/api/v1/query?${new URLSearchParams({ query: query.expr }).toString()}`);
      const parsed = (await answer.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      results[query.refId] =
        parsed.status === 'success' && parsed.data?.resultType === 'vector'
          ? { status: 200, frames: framesOf(query.refId, parsed.data.result) }
          : { status: 400, error: parsed.error ?? `unexpected ${parsed.data?.resultType ?? 'answer'}`, frames: [] };
    }
    // As Grafana: a 400 when any query failed, each query's own error in the body.
    json(res, Object.values(results).some((r) => (r as { status: number }).status !== 200) ? 400 : 200, { results });
  }

  private async pluginSettings(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const state = this.options.settings;
    if (req.method === 'POST') {
      if (!roleIncludes(userOf(req).role, 'Admin')) {
        json(res, 403, { message: 'Permission denied' });
        return;
      }
      const update = JSON.parse((await body(req)).toString('utf8')) as { jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string> };
      if (update.jsonData) state.jsonData = update.jsonData;
      // As Grafana: a secure field sent is stored (an empty one removes it); one not sent is kept.
      for (const [key, value] of Object.entries(update.secureJsonData ?? {})) {
        if (value === '') delete state.secureJsonData[key];
        else state.secureJsonData[key] = value;
      }
      json(res, 200, { message: 'Plugin settings updated' });
      return;
    }
    json(res, 200, {
      id: PLUGIN_ID,
      type: 'app',
      enabled: true,
      pinned: true,
      jsonData: state.jsonData,
      secureJsonFields: Object.fromEntries(Object.keys(state.secureJsonData).map((k) => [k, true])),
    });
  }
}

/** Where the built plugin is expected (for error messages). */
export const PLUGIN_BUILD = relative(REPO_ROOT, join(PLUGIN_DIR, 'dist'));
