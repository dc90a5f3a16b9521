/**
 * VACUUM of one table (with its partitions) or of a whole database, on the
 * job's own session: dead rows are freed for reuse while the table stays
 * readable and writable. `full: true` rewrites the table instead (VACUUM
 * FULL: the table is locked against reads and writes meanwhile, the space
 * goes back to the operating system) and needs an admin.
 *
 * Plain VACUUM, not VACUUM (ANALYZE): new statistics can change query plans,
 * which an operator should decide on separately (the analyze action); the
 * bloat estimate reads what VACUUM itself updates (reltuples, relpages).
 */
import { z } from 'zod';
import { databaseParam, tableParam } from './maintenanceParams.js';
import { prepareTableMaintenance, runTableMaintenance } from './tableMaintenance.js';
import { defineAction } from './types.js';

const params = z.strictObject({
  database: databaseParam.optional(),
  table: tableParam('The whole database when absent.').optional(),
  full: z
    .boolean()
    .default(false)
    .describe('VACUUM FULL: rewrite the table, holding an ACCESS EXCLUSIVE lock on it (no reads or writes) until done; needs room for a second copy. Admin only.'),
});

export const vacuum = defineAction({
  name: 'vacuum',
  title: 'Vacuum',
  description:
    'Runs VACUUM on one table or a whole database so dead rows are reclaimed; reads and writes go on meanwhile. With full, VACUUM FULL rewrites the table under an exclusive lock and returns the space to the disk.',
  targetKind: 'postgres',
  params,
  role: 'operator',
  roleEscalations: [{ role: 'admin', reason: 'VACUUM FULL', whenEqual: { full: true } }],
  destructive: false,
  supportsDryRun: true,
  refreshes: ['pg_bloat'],
  prepare: ({ target, params: p }) => prepareTableMaintenance(target, p.full ? 'vacuum full' : 'vacuum', p),
  run: (ctx) => runTableMaintenance(ctx),
});
