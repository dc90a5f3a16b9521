import type { ActionDescription, Whoami } from '../api/exporterTypes';
import { CATALOG } from '../test/exporterFake';
import { actionPermission, requiredRole } from './actionPermission';

const action = (name: string): ActionDescription => {
  const found = CATALOG.actions.find((a) => a.name === name);
  if (!found) {
    throw new Error(`no action ${name} in the catalog fixture`);
  }
  return found;
};
const whoami = (role: Whoami['role'], readOnly = false): Whoami => ({ actor: 'grafana', tokenName: 'grafana', role, origin: 'api', readOnly });

describe('action permissions', () => {
  it('apply the exporter’s own role escalations from the catalog', () => {
    expect(requiredRole(action('vacuum'), { table: 'public.t', full: true })).toEqual({ role: 'admin', reason: 'VACUUM FULL' });
    expect(requiredRole(action('vacuum'), { table: 'public.t' })).toEqual({ role: 'operator' });
    expect(requiredRole(action('reindex'), { database: 'shop' })).toEqual({ role: 'admin', reason: 'reindexing a whole database' });
    expect(requiredRole(action('reindex'), { database: 'shop', table: 'public.t' })).toEqual({ role: 'operator' });
    expect(requiredRole(action('terminate-backend'), {})).toEqual({ role: 'admin' });
  });

  it.each([
    ['Viewer', 'admin', 'vacuum', {}, false, /needs the Grafana Editor role/],
    ['None', 'admin', 'vacuum', {}, false, /have no role/],
    ['Editor', 'admin', 'vacuum', {}, true, undefined],
    ['Editor', 'admin', 'prune-backups', { keepLast: 3 }, false, /needs the Grafana Admin role; you are an Editor/],
    ['Admin', 'operator', 'prune-backups', { keepLast: 3 }, false, /token Grafana uses has operator/],
    ['Admin', 'admin', 'prune-backups', { keepLast: 3 }, true, undefined],
  ] as const)('a Grafana %s with an exporter token of role %s, %s %j: allowed %s', (grafanaRole, tokenRole, name, params, allowed, reason) => {
    const permission = actionPermission({ action: action(name), params, grafanaRole, whoami: whoami(tokenRole), configured: true });
    expect(permission.allowed).toBe(allowed);
    if (reason) {
      expect(permission.reason).toMatch(reason);
    } else {
      expect(permission.route).toBe(grafanaRole === 'Admin' ? 'admin' : 'operator');
    }
  });

  it('say why when the app is not configured, the exporter cannot be asked, or it is read-only', () => {
    const base = { action: action('analyze'), params: {}, grafanaRole: 'Admin' as const };
    expect(actionPermission({ ...base, whoami: undefined, configured: false }).reason).toMatch(/no exporter URL/);
    expect(actionPermission({ ...base, whoami: undefined, whoamiProblem: 'the bearer token is not valid', configured: true }).reason).toMatch(/bearer token is not valid/);
    expect(actionPermission({ ...base, whoami: whoami('admin', true), configured: true }).reason).toMatch(/read-only/);
  });
});
