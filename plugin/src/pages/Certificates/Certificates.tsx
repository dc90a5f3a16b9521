/**
 * Certificates and disks, for every target at once (or one, with `?target=`):
 * each certificate of each chain with its days left, whether the chain
 * verifies and matches the host name, probe and file errors; each filesystem
 * with how full it is, free inodes and whether it went read-only.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { EmptyState, InteractiveTable, LoadingPlaceholder, Stack, Text, useStyles2, type Column } from '@grafana/ui';
import type { Sample } from '../../api/prometheus';
import { PageFrame } from '../../components/PageFrame';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SeverityCell } from '../../components/SeverityCell';
import { formatBytes, formatDuration, formatPercent } from '../../format/values';
import { useMetrics } from '../../hooks/useMetrics';
import { useUrlState } from '../../hooks/useUrlState';
import { certificateQueries } from '../../metrics/queries';
import { indexBy, keyOf } from '../../metrics/samples';
import { severityOf, severityRank, worstSeverity, type Severity } from '../../metrics/thresholds';

interface CertificateRow {
  id: string;
  target: string;
  source: string;
  path: string;
  position: string;
  subject: string;
  issuer: string;
  secondsLeft: number;
  verified: number | undefined;
  hostnameMatch: number | undefined;
  severity: Severity;
}

interface DiskRow {
  id: string;
  target: string;
  role: string;
  path: string;
  mountpoint: string;
  usedRatio: number | undefined;
  availBytes: number | undefined;
  sizeBytes: number | undefined;
  inodesFreeRatio: number | undefined;
  readonly: boolean;
  severity: Severity;
}

interface ErrorRow {
  id: string;
  target: string;
  what: string;
  reason: string;
}

const CERT_LABELS = ['target', 'source', 'path', 'position', 'serial'] as const;
const DISK_LABELS = ['target', 'path', 'role'] as const;

function certificateRows(m: Record<keyof typeof certificateQueries, Sample[]>): CertificateRow[] {
  const verified = indexBy(m.verified, ['target', 'source']);
  const hostname = indexBy(m.hostnameMatch, ['target', 'source']);
  return m.certSecondsLeft.map((s) => {
    const secondsLeft = s.value;
    const chain = keyOf(s.labels, ['target', 'source']);
    const v = verified.get(chain)?.value;
    const h = hostname.get(chain)?.value;
    return {
      id: keyOf(s.labels, CERT_LABELS),
      target: s.labels.target ?? '',
      source: s.labels.source ?? '',
      path: s.labels.path ?? '',
      position: s.labels.position ?? '',
      subject: s.labels.subject_cn ?? '',
      issuer: s.labels.issuer_cn ?? '',
      secondsLeft,
      verified: v,
      hostnameMatch: h,
      severity: worstSeverity([severityOf('certDaysLeft', secondsLeft / 86_400), h === 0 ? 'warning' : 'ok']),
    };
  });
}

function diskRows(m: Record<keyof typeof certificateQueries, Sample[]>): DiskRow[] {
  const avail = indexBy(m.diskAvail, DISK_LABELS);
  const files = indexBy(m.diskFiles, DISK_LABELS);
  const filesFree = indexBy(m.diskFilesFree, DISK_LABELS);
  const readonly = indexBy(m.diskReadonly, DISK_LABELS);
  return m.diskSize.map((s) => {
    const id = keyOf(s.labels, DISK_LABELS);
    const a = avail.get(id)?.value;
    const used = a === undefined || s.value === 0 ? undefined : 1 - a / s.value;
    const f = files.get(id)?.value;
    const ff = filesFree.get(id)?.value;
    const inodesFree = f && ff !== undefined ? ff / f : undefined;
    const ro = readonly.get(id)?.value === 1;
    return {
      id,
      target: s.labels.target ?? '',
      role: s.labels.role ?? '',
      path: s.labels.path ?? '',
      mountpoint: s.labels.mountpoint ?? '',
      usedRatio: used,
      availBytes: a,
      sizeBytes: s.value,
      inodesFreeRatio: inodesFree,
      readonly: ro,
      severity: worstSeverity([
        severityOf('diskUsedRatio', used),
        severityOf('inodesFreeRatio', inodesFree),
        ro ? 'critical' : 'ok',
      ]),
    };
  });
}

const certificateColumns: Array<Column<CertificateRow>> = [
  { id: 'target', header: 'Target', sortType: 'alphanumeric' },
  { id: 'source', header: 'Source' },
  {
    id: 'subject',
    header: 'Subject',
    cell: ({ row }) => `${row.original.subject}${row.original.path ? ` (${row.original.path})` : ''}`,
  },
  {
    id: 'position',
    header: 'In chain',
    cell: ({ row }) => (row.original.position === '0' ? 'leaf' : `#${row.original.position}`),
  },
  { id: 'issuer', header: 'Issuer' },
  {
    id: 'secondsLeft',
    header: 'Expires',
    sortType: 'number',
    cell: ({ row }) => {
      const left = row.original.secondsLeft;
      return (
        <SeverityCell
          severity={row.original.severity}
          text={left < 0 ? `expired ${formatDuration(-left)} ago` : `in ${formatDuration(left)}`}
        />
      );
    },
  },
  {
    id: 'verified',
    header: 'Chain',
    cell: ({ row }) => {
      const { verified, hostnameMatch } = row.original;
      if (verified === undefined && hostnameMatch === undefined) {
        return '—';
      }
      const problems = [
        verified === 0 ? 'not trusted by the system CAs' : '',
        hostnameMatch === 0 ? 'host name mismatch' : '',
      ].filter(Boolean);
      return (
        <SeverityCell
          severity={problems.length > 0 ? 'warning' : 'ok'}
          text={problems.length > 0 ? problems.join(', ') : 'verified'}
        />
      );
    },
  },
];

const diskColumns: Array<Column<DiskRow>> = [
  { id: 'target', header: 'Target', sortType: 'alphanumeric' },
  { id: 'role', header: 'Holds' },
  { id: 'mountpoint', header: 'Filesystem', cell: ({ row }) => `${row.original.mountpoint} (${row.original.path})` },
  {
    id: 'usedRatio',
    header: 'Used',
    sortType: 'number',
    cell: ({ row }) => (
      <SeverityCell
        severity={row.original.severity}
        text={`${formatPercent(row.original.usedRatio, 0)} of ${formatBytes(row.original.sizeBytes)}`}
        tooltip={`${formatBytes(row.original.availBytes)} available to unprivileged users.`}
      />
    ),
  },
  { id: 'inodesFreeRatio', header: 'Inodes free', cell: ({ row }) => formatPercent(row.original.inodesFreeRatio, 0) },
  {
    id: 'readonly',
    header: 'Mount',
    cell: ({ row }) => (row.original.readonly ? <SeverityCell severity="critical" text="read-only" /> : 'read-write'),
  },
];

const errorColumns: Array<Column<ErrorRow>> = [
  { id: 'target', header: 'Target' },
  { id: 'what', header: 'What' },
  {
    id: 'reason',
    header: 'Problem',
    cell: ({ row }) => <SeverityCell severity="critical" text={row.original.reason} />,
  },
];

export function Certificates() {
  const styles = useStyles2(getStyles);
  const [params] = useUrlState();
  const only = params.get('target') ?? undefined;
  const metrics = useMetrics(certificateQueries);
  const keep = <T extends { target: string }>(rows: T[]) => (only ? rows.filter((r) => r.target === only) : rows);
  const certs = useMemo(
    () => (metrics.data ? keep(certificateRows(metrics.data)).sort((a, b) => a.secondsLeft - b.secondsLeft) : []),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [metrics.data, only]
  );
  const disks = useMemo(
    () =>
      metrics.data
        ? keep(diskRows(metrics.data)).sort(
            (a, b) => severityRank(b.severity) - severityRank(a.severity) || (b.usedRatio ?? 0) - (a.usedRatio ?? 0)
          )
        : [],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [metrics.data, only]
  );
  const errors = useMemo<ErrorRow[]>(() => {
    const m = metrics.data;
    if (!m) {
      return [];
    }
    const rows = [
      ...m.probeError.map((s) => ({
        target: s.labels.target ?? '',
        what: `TLS probe (${s.labels.source})`,
        reason: s.labels.reason ?? '',
      })),
      ...m.fileError.map((s) => ({
        target: s.labels.target ?? '',
        what: s.labels.path ?? 'file',
        reason: s.labels.reason ?? '',
      })),
      ...m.diskError.map((s) => ({
        target: s.labels.target ?? '',
        what: `${s.labels.path} (${s.labels.role})`,
        reason: s.labels.reason ?? '',
      })),
    ].map((r, i) => ({ ...r, id: `${i}` }));
    return keep(rows);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [metrics.data, only]);

  return (
    <PageFrame>
      {only && <Text color="secondary">Showing target {only} only; remove ?target= from the address to see all.</Text>}
      <ProblemAlert title="Could not read the metrics" error={metrics.error} />
      {metrics.loading ? (
        <LoadingPlaceholder text="Reading certificates and disks…" />
      ) : (
        <Stack direction="column" gap={3}>
          {errors.length > 0 && (
            <section>
              <Text element="h4">Problems</Text>
              <InteractiveTable columns={errorColumns} data={errors} getRowId={(r) => r.id} />
            </section>
          )}
          <section className={styles.scroll}>
            <Text element="h4">Certificates, nearest expiry first</Text>
            {certs.length === 0 ? (
              <EmptyState variant="not-found" message="No certificates reported" />
            ) : (
              <InteractiveTable columns={certificateColumns} data={certs} getRowId={(r) => r.id} pageSize={50} />
            )}
          </section>
          <section className={styles.scroll}>
            <Text element="h4">Disks, fullest first</Text>
            {disks.length === 0 ? (
              <EmptyState variant="not-found" message="No filesystems reported" />
            ) : (
              <InteractiveTable columns={diskColumns} data={disks} getRowId={(r) => r.id} />
            )}
          </section>
        </Stack>
      )}
    </PageFrame>
  );
}

export default Certificates;

const getStyles = (_theme: GrafanaTheme2) => ({
  scroll: css({ overflowX: 'auto', 'td, th': { whiteSpace: 'nowrap' } }),
});
