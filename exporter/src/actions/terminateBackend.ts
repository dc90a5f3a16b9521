/**
 * Ends one client session (pg_terminate_backend): its connection is closed
 * and its open transaction rolled back. Only if the backend's query_start is
 * still the one the operator saw (see backendSignal.ts); an idle session
 * (idle in transaction, holding locks) qualifies, as long as it ran no
 * query since.
 */
import { backendSignalParams, prepareBackendSignal, runBackendSignal } from './backendSignal.js';
import { defineAction } from './types.js';

export const terminateBackend = defineAction({
  name: 'terminate-backend',
  title: 'Terminate session',
  description:
    'Ends a client session (its transaction is rolled back, its connection closed), if its query_start is still queryStart; waits up to 5 s for the backend to exit. Takes no locks.',
  targetKind: 'postgres',
  params: backendSignalParams,
  role: 'admin',
  destructive: true,
  supportsDryRun: true,
  // Sessions are read live on every scrape.
  refreshes: [],
  prepare: (ctx) => prepareBackendSignal('terminate', ctx),
  run: (ctx) => runBackendSignal('terminate', ctx),
});
