/**
 * ANALYZE of one table (with its partitions) or of a whole database: fresh
 * planner statistics, which the bloat estimate also reads. Takes a SHARE
 * UPDATE EXCLUSIVE lock (reads and writes go on; DDL and vacuum of the
 * table wait).
 *
 * `full` is accepted only as false, so analyze takes the same parameters as
 * vacuum; ANALYZE has no FULL form.
 */
import { z } from 'zod';
import { databaseParam, tableParam } from './maintenanceParams.js';
import { prepareTableMaintenance, runTableMaintenance } from './tableMaintenance.js';
import { defineAction } from './types.js';

const params = z.strictObject({
  database: databaseParam.optional(),
  table: tableParam('The whole database when absent.').optional(),
  full: z.literal(false).optional().describe('Only false is accepted: there is no ANALYZE FULL. Present so analyze takes the same parameters as vacuum.'),
});

export const analyze = defineAction({
  name: 'analyze',
  title: 'Analyze',
  description: 'Runs ANALYZE on one table or a whole database so the planner (and the bloat estimate) work from current statistics; reads and writes go on meanwhile.',
  targetKind: 'postgres',
  params,
  role: 'operator',
  destructive: false,
  supportsDryRun: true,
  refreshes: ['pg_bloat'],
  prepare: ({ target, params: p }) => prepareTableMaintenance(target, 'analyze', p),
  run: (ctx) => runTableMaintenance(ctx),
});
