/**
 * How Grafana's plugin proxy treats an app's plugin.json `routes`, as read in
 * its source (pkg/api/pluginproxy): the first route whose method is equal
 * (or empty or `*`) and whose path pattern matches wins; the user's org role
 * must include the route's `reqRole`; the request goes to the route's `url`
 * (a Go template over the app's jsonData and secureJsonData) joined with
 * what the pattern's `*` matched, query string kept, the route's headers
 * set (replacing any the browser sent) and `X-Grafana-Context` naming the
 * signed-in user. The static route test and the browser test's stand-in for
 * Grafana both use this, so what one checks the other exercises.
 */
export type GrafanaRole = 'Viewer' | 'Editor' | 'Admin';

export interface PluginRoute {
  path: string;
  method?: string;
  url?: string;
  reqRole?: GrafanaRole;
  headers?: Array<{ name: string; content: string }>;
}

export interface RouteMatch {
  route: PluginRoute;
  /** What the pattern's `*` matched: appended to the route's URL. */
  rest: string;
}

const ROLE_RANK: Record<GrafanaRole, number> = { Viewer: 1, Editor: 2, Admin: 3 };

/** Whether an org role includes another (Admin ⊇ Editor ⊇ Viewer). */
export function roleIncludes(have: GrafanaRole, need: GrafanaRole): boolean {
  return ROLE_RANK[have] >= ROLE_RANK[need];
}

/**
 * Matches a path below `/api/plugin-proxy/<id>/` against one route pattern:
 * literal segments, `:name` for one segment, a final `*` for one or more
 * characters (slashes included).
 */
export function matchPattern(pattern: string, path: string): { rest: string } | undefined {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  for (let i = 0; i < patternParts.length; i++) {
    const part = patternParts[i]!;
    if (part === '*' && i === patternParts.length - 1) {
      const rest = pathParts.slice(i).join('/');
      return rest === '' ? undefined : { rest };
    }
    const actual = pathParts[i];
    if (actual === undefined || (part.startsWith(':') ? actual === '' : part !== actual)) {
      return undefined;
    }
  }
  return pathParts.length === patternParts.length ? { rest: '' } : undefined;
}

/** The route Grafana picks for a request: the first that matches method and path. */
export function findRoute(routes: readonly PluginRoute[], method: string, path: string): RouteMatch | undefined {
  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method !== method) {
      continue;
    }
    const match = matchPattern(route.path, path);
    if (match) {
      return { route, rest: match.rest };
    }
  }
  return undefined;
}

export interface TemplateData {
  JsonData: Record<string, unknown>;
  SecureJsonData: Record<string, string>;
}

/** `{{ .JsonData.exporterUrl }}`-style fields; a missing value renders empty. */
export function renderTemplate(text: string, data: TemplateData): string {
  return text.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g, (_all, bag: keyof TemplateData, key: string) => {
    const value = data[bag][key];
    if (value === undefined || value === null) {
      return '';
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** Go's JoinURLFragments: one slash between the route URL's path and the matched rest. */
export function joinUrlPath(base: string, rest: string): string {
  if (rest === '') {
    return base;
  }
  return `${base.replace(/\/+$/, '')}/${rest.replace(/^\/+/, '')}`;
}

/** The upstream URL and headers for a matched route. */
export function upstreamRequest(match: RouteMatch, data: TemplateData, query = ''): { url: string; headers: Record<string, string> } {
  const target = new URL(renderTemplate(match.route.url ?? '', data));
  target.pathname = joinUrlPath(target.pathname, match.rest);
  target.search = query;
  const headers = Object.fromEntries((match.route.headers ?? []).map((h) => [h.name, renderTemplate(h.content, data)]));
  return { url: target.toString(), headers };
}
