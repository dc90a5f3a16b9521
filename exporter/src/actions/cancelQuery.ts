/**
 * Cancels one running query (pg_cancel_backend): the statement fails with
 * SQLSTATE 57014, its transaction is aborted, the session stays connected.
 * Only if the backend still runs the query the operator saw (pid and
 * query_start): see backendSignal.ts.
 */
import { backendSignalParams, prepareBackendSignal, runBackendSignal } from './backendSignal.js';
import { defineAction } from './types.js';

export const cancelQuery = defineAction({
  name: 'cancel-query',
  title: 'Cancel query',
  description:
    'Cancels the query a client session is running, if that session still runs the query that started at queryStart; the session stays connected. Takes no locks.',
  targetKind: 'postgres',
  params: backendSignalParams,
  role: 'operator',
  // The cancelled query's work is lost and cannot be had back by running the action again.
  destructive: true,
  supportsDryRun: true,
  // Sessions are read live on every scrape.
  refreshes: [],
  prepare: (ctx) => prepareBackendSignal('cancel', ctx),
  run: (ctx) => runBackendSignal('cancel', ctx),
});
