import { config } from '@grafana/runtime';
import type { GrafanaOrgRole } from '../permissions/actionPermission';

/** The signed-in user's role in the current organization: what Grafana's proxy checks routes against. */
export function currentGrafanaRole(): GrafanaOrgRole {
  const role = config.bootData?.user?.orgRole as string | undefined;
  return role === 'Admin' || role === 'Editor' || role === 'Viewer' ? role : 'None';
}
