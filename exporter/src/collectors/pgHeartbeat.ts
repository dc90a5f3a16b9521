/**
 * Reads back the replication heartbeat (see targets/heartbeat.ts) on every
 * node of a target that has `heartbeat` configured: on the primary it shows
 * the writer is alive, on a standby `time() - value` is the end-to-end lag.
 * Targets without `heartbeat` run no query.
 */
import { gauge } from '../metrics/family.js';
import { quotedTable } from '../targets/heartbeat.js';
import { liveCollector } from './types.js';

export const heartbeatTimestamp = gauge(
  'upkeep_pg_heartbeat_timestamp_seconds',
  'Time written into the heartbeat table by the exporter on the primary, as seen on this node; time() minus it is the end-to-end replication lag.',
  ['target'],
);

export const pgHeartbeat = liveCollector({
  name: 'pg_heartbeat',
  description: 'The replication heartbeat written on the primary, read on every node (targets with `heartbeat` only).',
  mode: 'live',
  targetKind: 'postgres',
  families: [heartbeatTimestamp],
  async collect({ target, emit }) {
    const config = target.config.heartbeat;
    if (!config) return;
    const { rows } = await target.query<{ beat: number }>(
      `SELECT extract(epoch FROM beat)::float8 AS beat FROM ${quotedTable(config.table)} WHERE id = 1`,
    );
    const row = rows[0];
    if (row) emit(heartbeatTimestamp, {}, row.beat);
  },
});
