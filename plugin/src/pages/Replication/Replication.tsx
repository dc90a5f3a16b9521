/**
 * Replication of a target, from both sides: on a primary its standbys'
 * lag (time and bytes) and its replication slots (WAL held back, lost
 * slots); on a standby its WAL receiver and how far replay is behind.
 */
import React, { useMemo } from 'react';
import { EmptyState, InteractiveTable, LoadingPlaceholder, Stack, Text, type Column } from '@grafana/ui';
import type { Sample } from '../../api/prometheus';
import { PageFrame } from '../../components/PageFrame';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SeverityCell } from '../../components/SeverityCell';
import { TargetPicker } from '../../components/TargetPicker';
import { formatBytes, formatDuration } from '../../format/values';
import { useMetrics } from '../../hooks/useMetrics';
import { usePageTarget } from '../../hooks/usePageTarget';
import { useUrlState } from '../../hooks/useUrlState';
import { replicationQueries } from '../../metrics/queries';
import { indexBy, keyOf } from '../../metrics/samples';
import { severityOf, worstSeverity, type Severity } from '../../metrics/thresholds';

interface StandbyRow {
  id: string;
  standby: string;
  clientAddr: string;
  state: string;
  syncState: string;
  write: number | undefined;
  flush: number | undefined;
  replay: number | undefined;
  bytes: number | undefined;
  severity: Severity;
}

interface SlotRow {
  slot: string;
  slotType: string;
  database: string;
  walStatus: string;
  active: boolean;
  retainedBytes: number | undefined;
  safeBytes: number | undefined;
  severity: Severity;
}

const STANDBY_LABELS = ['standby', 'client_addr', 'state', 'sync_state'] as const;

function standbyRows(lagSeconds: Sample[], lagBytes: Sample[]): StandbyRow[] {
  const bytes = indexBy(lagBytes, STANDBY_LABELS);
  const rows = new Map<string, StandbyRow>();
  for (const s of [...lagBytes, ...lagSeconds]) {
    const id = keyOf(s.labels, STANDBY_LABELS);
    if (!rows.has(id)) {
      rows.set(id, {
        id,
        standby: s.labels.standby ?? '',
        clientAddr: s.labels.client_addr ?? '',
        state: s.labels.state ?? '',
        syncState: s.labels.sync_state ?? '',
        write: undefined,
        flush: undefined,
        replay: undefined,
        bytes: bytes.get(id)?.value,
        severity: 'unknown',
      });
    }
  }
  for (const s of lagSeconds) {
    const row = rows.get(keyOf(s.labels, STANDBY_LABELS));
    const kind = s.labels.kind;
    if (row && (kind === 'write' || kind === 'flush' || kind === 'replay')) {
      row[kind] = s.value;
    }
  }
  return [...rows.values()].map((row) => ({
    ...row,
    severity: worstSeverity([
      severityOf('replicationLagSeconds', row.replay),
      severityOf('replicationLagBytes', row.bytes),
    ]),
  }));
}

function slotRows(info: Sample[], retained: Sample[], active: Sample[], safe: Sample[]): SlotRow[] {
  const by = (samples: Sample[]) => indexBy(samples, ['slot']);
  const [r, a, f] = [by(retained), by(active), by(safe)];
  return info.map((s) => {
    const id = keyOf(s.labels, ['slot']);
    const walStatus = s.labels.wal_status ?? '';
    const isActive = a.get(id)?.value === 1;
    const retainedBytes = r.get(id)?.value;
    return {
      slot: s.labels.slot ?? '',
      slotType: s.labels.slot_type ?? '',
      database: s.labels.database ?? '',
      walStatus,
      active: isActive,
      retainedBytes,
      safeBytes: f.get(id)?.value,
      severity:
        walStatus === 'lost'
          ? 'critical'
          : worstSeverity([severityOf('replicationSlotRetainedBytes', retainedBytes), isActive ? 'ok' : 'warning']),
    };
  });
}

const standbyColumns = (linked: string | null): Array<Column<StandbyRow>> => [
  {
    id: 'standby',
    header: 'Standby',
    sortType: 'alphanumeric',
    cell: ({ row }) => (
      <Text weight={row.original.standby === linked ? 'bold' : undefined}>{row.original.standby}</Text>
    ),
  },
  { id: 'clientAddr', header: 'Address' },
  { id: 'state', header: 'State' },
  { id: 'syncState', header: 'Sync' },
  { id: 'write', header: 'Write lag', cell: ({ row }) => formatDuration(row.original.write) },
  { id: 'flush', header: 'Flush lag', cell: ({ row }) => formatDuration(row.original.flush) },
  {
    id: 'replay',
    header: 'Replay lag',
    cell: ({ row }) => (
      <SeverityCell
        severity={row.original.severity}
        text={`${formatDuration(row.original.replay)} · ${formatBytes(row.original.bytes)}`}
      />
    ),
  },
];

const slotColumns = (linked: string | null): Array<Column<SlotRow>> => [
  {
    id: 'slot',
    header: 'Slot',
    sortType: 'alphanumeric',
    cell: ({ row }) => <Text weight={row.original.slot === linked ? 'bold' : undefined}>{row.original.slot}</Text>,
  },
  { id: 'slotType', header: 'Type' },
  { id: 'database', header: 'Database' },
  {
    id: 'active',
    header: 'Consumer',
    cell: ({ row }) => (
      <SeverityCell
        severity={row.original.active ? 'ok' : 'warning'}
        text={row.original.active ? 'connected' : 'inactive'}
      />
    ),
  },
  {
    id: 'walStatus',
    header: 'WAL status',
    cell: ({ row }) => (
      <SeverityCell
        severity={
          row.original.walStatus === 'lost' ? 'critical' : row.original.walStatus === 'unreserved' ? 'warning' : 'ok'
        }
        text={row.original.walStatus}
      />
    ),
  },
  {
    id: 'retainedBytes',
    header: 'WAL held back',
    cell: ({ row }) => <SeverityCell severity={row.original.severity} text={formatBytes(row.original.retainedBytes)} />,
  },
  { id: 'safeBytes', header: 'Until lost', cell: ({ row }) => formatBytes(row.original.safeBytes) },
];

export function Replication() {
  const { target, choices, setTarget, targetsError } = usePageTarget('postgres');
  const metrics = useMetrics(replicationQueries(target ?? ''));
  const m = metrics.data;
  const role = m?.info[0]?.labels.role;
  const [params] = useUrlState();
  // A link (an alert's runbook) may name one standby or slot: it comes first, marked.
  const linkedStandby = params.get('standby');
  const linkedSlot = params.get('slot');
  const standbys = useMemo(
    () =>
      m
        ? standbyRows(m.lagSeconds, m.lagBytes).sort(
            (a, b) => Number(b.standby === linkedStandby) - Number(a.standby === linkedStandby)
          )
        : [],
    [m, linkedStandby]
  );
  const slots = useMemo(
    () =>
      m
        ? slotRows(m.slotInfo, m.slotRetained, m.slotActive, m.slotSafe).sort(
            (a, b) => Number(b.slot === linkedSlot) - Number(a.slot === linkedSlot)
          )
        : [],
    [m, linkedSlot]
  );
  const standbyColumnsFor = useMemo(() => standbyColumns(linkedStandby), [linkedStandby]);
  const slotColumnsFor = useMemo(() => slotColumns(linkedSlot), [linkedSlot]);
  const receiverUp = m?.receiverUp[0]?.value;
  const first = (samples: Sample[] | undefined) => samples?.[0]?.value;

  return (
    <PageFrame>
      <Stack direction="row" alignItems="flex-end" gap={2}>
        <TargetPicker targets={choices} value={target} onChange={setTarget} />
        {role && <Text color="secondary">This server is a {role}.</Text>}
      </Stack>
      <ProblemAlert title="Could not list the exporter’s targets" error={targetsError} />
      <ProblemAlert title="Could not read the metrics" error={metrics.error} />
      {metrics.loading ? (
        <LoadingPlaceholder text="Reading replication…" />
      ) : role === 'standby' ? (
        <section data-testid="standby-side">
          <Text element="h4">WAL receiver</Text>
          <Stack direction="row" gap={2} wrap="wrap">
            <SeverityCell
              severity={receiverUp === 1 ? 'ok' : 'critical'}
              text={receiverUp === 1 ? 'streaming' : 'not streaming'}
            />
            <SeverityCell
              severity={severityOf('replicationLagBytes', first(m?.receiveBacklog))}
              text={`replay backlog ${formatBytes(first(m?.receiveBacklog))}`}
              tooltip="WAL received but not yet replayed."
            />
            <Text color="secondary">last message from the primary {formatDuration(first(m?.lastMessageAge))} ago</Text>
            <Text color="secondary">
              last replayed commit {formatDuration(first(m?.replayDelay))} ago (stands still when the primary is idle)
            </Text>
            {m?.heartbeatAge[0] && (
              <SeverityCell
                severity={severityOf('replicationLagSeconds', first(m.heartbeatAge))}
                text={`heartbeat ${formatDuration(first(m.heartbeatAge))} behind`}
              />
            )}
          </Stack>
        </section>
      ) : (
        <>
          <section>
            <Text element="h4">Standbys ({first(m?.standbys) ?? 0} streaming)</Text>
            {standbys.length === 0 ? (
              <EmptyState variant="not-found" message="No standby streams from this server" />
            ) : (
              <InteractiveTable columns={standbyColumnsFor} data={standbys} getRowId={(r) => r.id} />
            )}
          </section>
          <section>
            <Text element="h4">Replication slots</Text>
            {slots.length === 0 ? (
              <Text color="secondary">No replication slots.</Text>
            ) : (
              <InteractiveTable columns={slotColumnsFor} data={slots} getRowId={(r) => r.slot} />
            )}
          </section>
        </>
      )}
    </PageFrame>
  );
}

export default Replication;
