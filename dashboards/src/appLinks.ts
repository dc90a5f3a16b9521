/**
 * The Grafana app's pages and the deep-link parameters they understand: the
 * contract between the dashboards (links, data links), the runbooks ("which
 * page and button fixes it") and the app plugin (upkeep-maintenance-app).
 */

export const APP_ID = 'upkeep-maintenance-app';

export const APP_PAGES = {
  overview: 'Overview',
  backups: 'Backups',
  replication: 'Replication',
  queries: 'Queries',
  bloat: 'Bloat & vacuum',
  certificates: 'Certificates & disks',
  jobs: 'Jobs & audit',
} as const;

export type AppPage = keyof typeof APP_PAGES;

/** Exporter actions, as the `action` parameter names them. */
export const APP_ACTIONS = [
  'backup',
  'verify-backup',
  'prune-backups',
  'vacuum',
  'analyze',
  'reindex',
  'cancel-query',
  'terminate-backend',
  'reset-statements',
  'redis-bgsave',
] as const;

export type AppAction = (typeof APP_ACTIONS)[number];

export const DEEP_LINK_PARAMS = ['target', 'database', 'table', 'index', 'source', 'standby', 'slot', 'pid', 'action'] as const;

export type DeepLinkParam = (typeof DEEP_LINK_PARAMS)[number];

export function appPath(page: AppPage): string {
  return `/a/${APP_ID}/${page}`;
}

/**
 * A link into the app. Values are written as given: in dashboards they are
 * Grafana variables (`${__data.fields.target}`), which Grafana percent-encodes
 * itself when it interpolates a data link.
 */
export function appUrl(page: AppPage, params: Partial<Record<DeepLinkParam, string>> = {}): string {
  const query = DEEP_LINK_PARAMS.filter((p) => params[p] !== undefined).map((p) => `${p}=${params[p] ?? ''}`);
  return query.length > 0 ? `${appPath(page)}?${query.join('&')}` : appPath(page);
}
