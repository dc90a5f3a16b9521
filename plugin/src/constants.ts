import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** The app's pages; their paths are in plugin.json `includes` too, and dashboards and runbooks link to them. */
export enum ROUTES {
  Overview = 'overview',
  Backups = 'backups',
  Replication = 'replication',
  Queries = 'queries',
  Bloat = 'bloat',
  Certificates = 'certificates',
  Jobs = 'jobs',
}

export const PAGE_TITLES: Record<ROUTES, string> = {
  [ROUTES.Overview]: 'Overview',
  [ROUTES.Backups]: 'Backups',
  [ROUTES.Replication]: 'Replication',
  [ROUTES.Queries]: 'Queries',
  [ROUTES.Bloat]: 'Bloat & vacuum',
  [ROUTES.Certificates]: 'Certificates & disks',
  [ROUTES.Jobs]: 'Jobs & audit',
};

/** A page's URL, with query parameters (deep links: `?target=main&table=public.orders&action=vacuum`). */
export function pageUrl(route: ROUTES, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      params.set(key, String(value));
    }
  }
  const search = params.toString();
  return `${PLUGIN_BASE_URL}/${route}${search ? `?${search}` : ''}`;
}
