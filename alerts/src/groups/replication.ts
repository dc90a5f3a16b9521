/** Streaming replication and slots, from both ends. */
import type { GroupDefinition } from '../model.js';

export const replication: GroupDefinition = {
  name: 'upkeep-replication',
  alerts: [
    {
      name: 'ReplicationLagHigh',
      variant: 'seconds',
      threshold: 'replicationLagSeconds',
      // The primary's view: replay_lag keeps growing while a standby's replay is stuck.
      value: 'max by (target, standby) (upkeep_pg_replication_lag_seconds{kind="replay"})',
      unit: 'duration',
      for: '2m',
      summary: 'Standby {{ $labels.standby }} of {{ $labels.target }} replays {{value}} behind',
      description:
        'Standby {{ $labels.standby }} has replayed what {{ $labels.target }} committed {{value}} ago, more than {{threshold}}. Reads from it are that stale, and a failover to it now would first have to catch up.',
      fix: { page: 'replication' },
    },
    {
      name: 'ReplicationLagHigh',
      variant: 'bytes',
      threshold: 'replicationLagBytes',
      value: 'max by (target, standby) (upkeep_pg_replication_lag_bytes)',
      unit: 'bytes',
      for: '2m',
      summary: 'Standby {{ $labels.standby }} of {{ $labels.target }} is {{value}} of WAL behind',
      description:
        'Standby {{ $labels.standby }} has not replayed {{value}} of WAL that {{ $labels.target }} wrote (more than {{threshold}}). The primary keeps that WAL while a slot holds it, and a failover would lose or wait for it.',
      fix: { page: 'replication' },
    },
    {
      name: 'StandbyNotStreaming',
      threshold: { direction: 'below', critical: 1 },
      value: 'min by (target) (upkeep_pg_wal_receiver_up)',
      unit: 'count',
      for: '5m',
      summary: 'Standby {{ $labels.target }} receives no WAL',
      description:
        'The WAL receiver of standby {{ $labels.target }} has not been streaming for {{for}} (upkeep_pg_wal_receiver_up = {{value}}). The standby falls further behind every second and is no failover candidate.',
      fix: { page: 'replication' },
    },
    {
      name: 'StandbyMissing',
      threshold: { direction: 'above', warning: 0 },
      // Fewer standbys than at any time in the last day: a standby that streamed recently is gone.
      value: 'max by (target) (max_over_time(upkeep_pg_replication_standbys[1d])) - max by (target) (upkeep_pg_replication_standbys)',
      unit: 'count',
      for: '5m',
      summary: '{{ $labels.target }} has {{value}} standby(s) fewer than in the last day',
      description:
        '{{value}} standby(s) that streamed from {{ $labels.target }} within the last 24 hours are not connected now. Redundancy is reduced; a slot of a missing standby keeps retaining WAL. The alert resolves by itself a day after the standby left.',
      fix: { page: 'replication' },
    },
    {
      name: 'ReplicationSlotRetainingWal',
      threshold: 'replicationSlotRetainedBytes',
      value: 'max by (target, slot) (upkeep_pg_replication_slot_retained_bytes)',
      unit: 'bytes',
      for: '15m',
      summary: 'Slot {{ $labels.slot }} on {{ $labels.target }} retains {{value}} of WAL',
      description:
        'Replication slot {{ $labels.slot }} on {{ $labels.target }} keeps {{value}} of WAL from being removed (more than {{threshold}}). Unless its consumer catches up or the slot is dropped, pg_wal grows until the disk is full.',
      fix: { page: 'replication' },
    },
    {
      name: 'ReplicationSlotInactive',
      threshold: { direction: 'below', warning: 1 },
      value: 'min by (target, slot) (upkeep_pg_replication_slot_active)',
      unit: 'count',
      for: '30m',
      summary: 'Slot {{ $labels.slot }} on {{ $labels.target }} has had no consumer for {{for}}',
      description:
        'Nothing has been connected to replication slot {{ $labels.slot }} on {{ $labels.target }} for {{for}} (active = {{value}}). An abandoned slot retains WAL forever; see ReplicationSlotRetainingWal for how much.',
      fix: { page: 'replication' },
    },
  ],
};
