/**
 * Streaming replication from both ends, plus replication slots.
 *
 * Raw positions and timestamps, not a single computed "lag": a lag that is
 * reset to 0 when receive and replay positions agree hides a broken stream
 * (nothing is received, so both stay equal). Alerts combine the series in
 * PromQL instead: lag bytes, receiver status and last-message time.
 *
 * One query per scrape, whatever the number of standbys and slots: the three
 * views are read in one statement and returned as JSON.
 */
import { gauge } from '../metrics/family.js';
import { liveCollector } from './types.js';

const standbyLabels = ['target', 'standby', 'client_addr', 'state', 'sync_state'] as const;

export const replicationLagSeconds = gauge(
  'upkeep_pg_replication_lag_seconds',
  'Primary side, per standby: time for recent WAL to be written, flushed and replayed there (pg_stat_replication *_lag); 0 when the standby has caught up and WAL is idle.',
  [...standbyLabels, 'kind'],
);

export const replicationLagBytes = gauge(
  'upkeep_pg_replication_lag_bytes',
  'Primary side, per standby: bytes of WAL between the current position and what the standby has replayed; grows when the stream breaks even if the primary is idle.',
  standbyLabels,
);

export const replicationStandbys = gauge(
  'upkeep_pg_replication_standbys',
  'Standbys streaming from this server now (pg_stat_replication rows in state streaming, logical replication subscribers excluded).',
  ['target'],
);

export const walPositionBytes = gauge(
  'upkeep_pg_wal_position_bytes',
  'Current WAL write position of a primary, in bytes since 0/0; its rate is the WAL generation rate.',
  ['target'],
);

export const standbyLastReplay = gauge(
  'upkeep_pg_standby_last_replay_timestamp_seconds',
  'Standby: commit time of the last transaction replayed (pg_last_xact_replay_timestamp); stands still while the primary is idle.',
  ['target'],
);

export const standbyReceiveLsn = gauge(
  'upkeep_pg_standby_receive_lsn_bytes',
  'Standby: last WAL position received and flushed from the primary, in bytes since 0/0.',
  ['target'],
);

export const standbyReplayLsn = gauge(
  'upkeep_pg_standby_replay_lsn_bytes',
  'Standby: last WAL position replayed, in bytes since 0/0; receive minus replay is the replay backlog.',
  ['target'],
);

export const walReceiverUp = gauge(
  'upkeep_pg_wal_receiver_up',
  'Standby: 1 when the WAL receiver is streaming from the primary, 0 otherwise (stopped, reconnecting, or status hidden from a role without pg_monitor).',
  ['target'],
);

export const walReceiverLastMessage = gauge(
  'upkeep_pg_wal_receiver_last_message_timestamp_seconds',
  'Standby: when the WAL receiver last heard from the primary; the primary sends keepalives even when idle.',
  ['target'],
);

export const slotRetainedBytes = gauge(
  'upkeep_pg_replication_slot_retained_bytes',
  'WAL kept on disk for the slot: bytes between the current position and the slot\'s restart_lsn.',
  ['target', 'slot'],
);

export const slotActive = gauge('upkeep_pg_replication_slot_active', 'Whether a consumer is connected to the slot (1) or not (0).', ['target', 'slot']);

export const slotSafeWalBytes = gauge(
  'upkeep_pg_replication_slot_safe_wal_bytes',
  'Bytes of WAL that can still be written before the slot is lost (safe_wal_size); absent when max_slot_wal_keep_size is unlimited.',
  ['target', 'slot'],
);

export const slotInfo = gauge(
  'upkeep_pg_replication_slot_info',
  'Replication slot facts as labels; wal_status is reserved, extended, unreserved or lost. The value is always 1.',
  ['target', 'slot', 'slot_type', 'database', 'wal_status'],
);

interface StandbyRow {
  standby: string;
  client_addr: string;
  state: string;
  sync_state: string;
  write_lag: number | null;
  flush_lag: number | null;
  replay_lag: number | null;
  lag_bytes: number | null;
}

interface SlotRow {
  slot: string;
  slot_type: string;
  database: string;
  active: boolean;
  wal_status: string | null;
  safe_wal_bytes: number | null;
  retained_bytes: number | null;
}

interface RecoveryRow {
  last_replay: number | null;
  receive_lsn: number | null;
  replay_lsn: number | null;
  receiver_status: string | null;
  receiver_last_message: number | null;
}

interface ReplicationRow {
  in_recovery: boolean;
  position: number | null;
  standbys: StandbyRow[];
  slots: SlotRow[];
  recovery: RecoveryRow | null;
}

/**
 * Two standbys with the same application_name on one host would give
 * duplicate series, which Prometheus rejects: of such a pair, the one further
 * behind is kept, so a lagging standby is never hidden by a healthy twin.
 */
function worstPerLabelSet(standbys: readonly StandbyRow[]): StandbyRow[] {
  const byLabels = new Map<string, StandbyRow>();
  for (const s of standbys) {
    const key = JSON.stringify([s.standby, s.client_addr, s.state, s.sync_state]);
    const kept = byLabels.get(key);
    if (!kept || (s.lag_bytes ?? Infinity) > (kept.lag_bytes ?? Infinity)) byLabels.set(key, s);
  }
  return [...byLabels.values()];
}

/** wal_status and safe_wal_size appeared in PostgreSQL 13. */
function slotColumns(versionNum: number): string {
  return versionNum >= 130000 ? `'wal_status', s.wal_status, 'safe_wal_bytes', s.safe_wal_size::float8` : `'wal_status', NULL, 'safe_wal_bytes', NULL`;
}

function replicationQuery(versionNum: number): string {
  // On a standby "current position" is the last WAL received (a cascading
  // standby serves what it has received), falling back to replay when it
  // restores from an archive without streaming.
  return `
    WITH here AS (
      SELECT pg_is_in_recovery() AS in_recovery,
             CASE WHEN pg_is_in_recovery()
                  THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
                  ELSE pg_current_wal_lsn() END AS lsn
    )
    SELECT here.in_recovery,
           pg_wal_lsn_diff(here.lsn, '0/0')::float8 AS position,
           (SELECT coalesce(json_agg(json_build_object(
                     'standby', r.application_name,
                     'client_addr', coalesce(host(r.client_addr), ''),
                     'state', coalesce(r.state, ''),
                     'sync_state', coalesce(r.sync_state, ''),
                     'write_lag', extract(epoch FROM r.write_lag)::float8,
                     'flush_lag', extract(epoch FROM r.flush_lag)::float8,
                     'replay_lag', extract(epoch FROM r.replay_lag)::float8,
                     'lag_bytes', pg_wal_lsn_diff(here.lsn, r.replay_lsn)::float8)), '[]')
              FROM pg_stat_replication r
             -- Logical replication senders are subscribers, not standbys.
             WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots l WHERE l.active_pid = r.pid AND l.slot_type = 'logical')) AS standbys,
           (SELECT coalesce(json_agg(json_build_object(
                     'slot', s.slot_name,
                     'slot_type', s.slot_type,
                     'database', coalesce(s.database, ''),
                     'active', s.active,
                     ${slotColumns(versionNum)},
                     'retained_bytes', pg_wal_lsn_diff(here.lsn, s.restart_lsn)::float8)), '[]')
              FROM pg_replication_slots s) AS slots,
           CASE WHEN here.in_recovery THEN json_build_object(
                     'last_replay', extract(epoch FROM pg_last_xact_replay_timestamp())::float8,
                     'receive_lsn', pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::float8,
                     'replay_lsn', pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::float8,
                     'receiver_status', (SELECT w.status FROM pg_stat_wal_receiver w),
                     'receiver_last_message', (SELECT extract(epoch FROM w.last_msg_receipt_time)::float8 FROM pg_stat_wal_receiver w))
           END AS recovery
      FROM here`;
}

export const pgReplication = liveCollector({
  name: 'pg_replication',
  description: 'Streaming replication lag per standby (primary side), receive/replay positions and WAL receiver (standby side), replication slots.',
  mode: 'live',
  targetKind: 'postgres',
  families: [
    replicationLagSeconds,
    replicationLagBytes,
    replicationStandbys,
    walPositionBytes,
    standbyLastReplay,
    standbyReceiveLsn,
    standbyReplayLsn,
    walReceiverUp,
    walReceiverLastMessage,
    slotRetainedBytes,
    slotActive,
    slotSafeWalBytes,
    slotInfo,
  ],
  async collect({ target, emit }) {
    const { rows } = await target.query<ReplicationRow>(replicationQuery(target.info?.versionNum ?? 0));
    const row = rows[0];
    if (!row) throw new Error('replication query returned no row');

    emit(replicationStandbys, {}, row.standbys.filter((s) => s.state === 'streaming').length);
    for (const s of worstPerLabelSet(row.standbys)) {
      const labels = { standby: s.standby, client_addr: s.client_addr, state: s.state, sync_state: s.sync_state };
      // NULL lag means "caught up and no WAL since" (see pg_stat_replication docs).
      emit(replicationLagSeconds, { ...labels, kind: 'write' }, s.write_lag ?? 0);
      emit(replicationLagSeconds, { ...labels, kind: 'flush' }, s.flush_lag ?? 0);
      emit(replicationLagSeconds, { ...labels, kind: 'replay' }, s.replay_lag ?? 0);
      if (s.lag_bytes !== null) emit(replicationLagBytes, labels, Math.max(0, s.lag_bytes));
    }
    if (!row.in_recovery && row.position !== null) emit(walPositionBytes, {}, row.position);

    for (const slot of row.slots) {
      const labels = { slot: slot.slot };
      emit(slotActive, labels, slot.active ? 1 : 0);
      if (slot.retained_bytes !== null) emit(slotRetainedBytes, labels, Math.max(0, slot.retained_bytes));
      if (slot.safe_wal_bytes !== null) emit(slotSafeWalBytes, labels, slot.safe_wal_bytes);
      emit(slotInfo, { ...labels, slot_type: slot.slot_type, database: slot.database, wal_status: slot.wal_status ?? '' }, 1);
    }

    const recovery = row.recovery;
    if (recovery) {
      if (recovery.last_replay !== null) emit(standbyLastReplay, {}, recovery.last_replay);
      if (recovery.receive_lsn !== null) emit(standbyReceiveLsn, {}, recovery.receive_lsn);
      if (recovery.replay_lsn !== null) emit(standbyReplayLsn, {}, recovery.replay_lsn);
      emit(walReceiverUp, {}, recovery.receiver_status === 'streaming' ? 1 : 0);
      if (recovery.receiver_last_message !== null) emit(walReceiverLastMessage, {}, recovery.receiver_last_message);
    }
  },
});
