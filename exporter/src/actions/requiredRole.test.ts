import { describe, expect, it } from 'vitest';
import { describeAction } from './catalog.js';
import { reindex } from './reindex.js';
import { requiredRole } from './types.js';
import { vacuum } from './vacuum.js';

describe('role escalations', () => {
  it('raise the role only when every condition holds, and say why', () => {
    expect(requiredRole(vacuum, vacuum.params.parse({ table: 'public.t', full: true }))).toEqual({ role: 'admin', reason: 'VACUUM FULL' });
    expect(requiredRole(vacuum, vacuum.params.parse({ table: 'public.t' }))).toEqual({ role: 'operator' });
    expect(requiredRole(reindex, { database: 'shop' })).toEqual({ role: 'admin', reason: 'reindexing a whole database' });
    expect(requiredRole(reindex, { database: 'shop', index: 'public.t_pkey' })).toEqual({ role: 'operator' });
  });

  it('are published in the catalog as data a client can apply', () => {
    expect(describeAction(vacuum)).toMatchObject({ role: 'operator', roleEscalations: [{ role: 'admin', reason: 'VACUUM FULL', whenEqual: { full: true } }] });
    expect(describeAction(reindex).roleEscalations).toEqual([{ role: 'admin', reason: 'reindexing a whole database', whenAbsent: ['table', 'index'] }]);
  });
});
