/**
 * Who may press which button, and if not, why — the same rules the exporter
 * and Grafana's proxy enforce, applied before the click so the button can
 * say so instead of failing.
 *
 * Three gates, all of which must open: Grafana's role (a Viewer only reads;
 * Editor → the exporter's operator; Admin → admin), the role of the token
 * Grafana holds for the exporter (the most any Grafana user can get), and
 * the exporter having tokens at all (read-only mode).
 */
import type { ActionDescription, ExporterRole, JsonValue, Whoami } from '../api/exporterTypes';
import type { WriteRoute } from '../api/exporterClient';

export type GrafanaOrgRole = 'Viewer' | 'Editor' | 'Admin' | 'None';

const EXPORTER_ROLES: readonly ExporterRole[] = ['viewer', 'operator', 'admin'];

export const GRAFANA_ROLE_FOR: Record<ExporterRole, GrafanaOrgRole> = { viewer: 'Viewer', operator: 'Editor', admin: 'Admin' };

export function roleAllows(have: ExporterRole, need: ExporterRole): boolean {
  return EXPORTER_ROLES.indexOf(have) >= EXPORTER_ROLES.indexOf(need);
}

/** The exporter role a Grafana org role maps to (what its proxy route tells the exporter). */
export function exporterRoleOf(role: GrafanaOrgRole): ExporterRole | undefined {
  switch (role) {
    case 'Admin':
      return 'admin';
    case 'Editor':
      return 'operator';
    case 'Viewer':
      return 'viewer';
    default:
      return undefined;
  }
}

/** The proxy route a user's write requests take; undefined for those who may not write. */
export function writeRouteOf(role: GrafanaOrgRole): WriteRoute | undefined {
  if (role === 'Admin') {
    return 'admin';
  }
  return role === 'Editor' ? 'operator' : undefined;
}

/** The least role for an action with these params: the action's own, raised by its escalations (as the exporter does). */
export function requiredRole(action: Pick<ActionDescription, 'role' | 'roleEscalations'>, params: Record<string, JsonValue | undefined>): { role: ExporterRole; reason?: string } {
  let needed: { role: ExporterRole; reason?: string } = { role: action.role };
  for (const escalation of action.roleEscalations ?? []) {
    const equal = Object.entries(escalation.whenEqual ?? {}).every(([key, value]) => params[key] === value);
    const absent = (escalation.whenAbsent ?? []).every((key) => params[key] === undefined);
    if (equal && absent && !roleAllows(needed.role, escalation.role)) {
      needed = { role: escalation.role, reason: escalation.reason };
    }
  }
  return needed;
}

export interface PermissionInput {
  action: ActionDescription;
  params: Record<string, JsonValue | undefined>;
  grafanaRole: GrafanaOrgRole;
  /** undefined while loading or when the exporter could not be asked. */
  whoami: Whoami | undefined;
  /** Why the exporter could not be asked, if it could not. */
  whoamiProblem?: string;
  configured: boolean;
}

export interface Permission {
  allowed: boolean;
  /** Why not, in words for a tooltip. */
  reason?: string;
  /** The write route to use when allowed. */
  route?: WriteRoute;
  required: ExporterRole;
  /** What raised the role above the action's own (`VACUUM FULL`), if anything did. */
  escalation?: string;
}

export function actionPermission({ action, params, grafanaRole, whoami, whoamiProblem, configured }: PermissionInput): Permission {
  const needed = requiredRole(action, params);
  const what = needed.reason ? `${action.title} (${needed.reason})` : action.title;
  const deny = (reason: string): Permission => ({ allowed: false, reason, required: needed.role, escalation: needed.reason });
  if (!configured) {
    return deny('The app has no exporter URL yet: a Grafana admin sets it on the app’s Configuration page.');
  }
  const route = writeRouteOf(grafanaRole);
  const grafanaNeeded = GRAFANA_ROLE_FOR[needed.role];
  const mine = exporterRoleOf(grafanaRole);
  if (!route || !mine || !roleAllows(mine, needed.role)) {
    const you = grafanaRole === 'None' ? 'have no role in this organization' : `are ${/^[AEIOU]/.test(grafanaRole) ? 'an' : 'a'} ${grafanaRole}`;
    return deny(`${what} needs the Grafana ${grafanaNeeded} role; you ${you}.`);
  }
  if (!whoami) {
    return deny(whoamiProblem ? `The exporter cannot be asked: ${whoamiProblem}` : 'Checking with the exporter…');
  }
  if (whoami.readOnly) {
    return deny('The exporter is read-only: it has no API tokens configured (auth.tokens), so nothing can be run from here.');
  }
  // whoami came through the Viewer route, which limits the role it reports: the token's own is what counts.
  const tokenRole = whoami.tokenRole ?? whoami.role;
  if (!roleAllows(tokenRole, needed.role)) {
    return deny(
      `${what} needs the exporter role ${needed.role}, but the token Grafana uses has ${tokenRole}: give it role ${needed.role} in the exporter’s auth.tokens.`,
    );
  }
  return { allowed: true, route, required: needed.role, escalation: needed.reason };
}
