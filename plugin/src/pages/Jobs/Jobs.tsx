/**
 * Jobs & audit: the jobs running now with live progress (and Cancel), the
 * history of jobs with filters, and the audit log — who asked for what, and
 * what came of it, refusals included. `?job=<id>` opens one job's details.
 */
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Button,
  Combobox,
  Drawer,
  Field,
  Input,
  InteractiveTable,
  LoadingPlaceholder,
  Stack,
  Text,
  useStyles2,
  type Column,
} from '@grafana/ui';
import { exporterClient } from '../../api/exporterClient';
import type { AuditEntry, Job, JobStatus } from '../../api/exporterTypes';
import { PageFrame } from '../../components/PageFrame';
import { ProblemAlert } from '../../components/ProblemAlert';
import { JobProgress } from '../../components/JobProgress';
import { JobStatusBadge } from '../../components/StatusBadge';
import { formatDuration, formatTime } from '../../format/values';
import { useLoader } from '../../hooks/useLoader';
import { usePagedList } from '../../hooks/usePagedList';
import { useUrlState } from '../../hooks/useUrlState';
import { CancelJobButton } from './CancelJobButton';
import { JobDetails } from './JobDetails';

const STATUSES: JobStatus[] = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'queued'];
const OUTCOMES = [
  'accepted',
  'denied',
  'rejected',
  'conflict',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
  'skipped',
];
const PAGE = 25;

function jobDuration(job: Job): string {
  if (!job.startedAt) {
    return '—';
  }
  const end = job.finishedAt ? Date.parse(job.finishedAt) : Date.now();
  return formatDuration((end - Date.parse(job.startedAt)) / 1000);
}

export function Jobs() {
  const styles = useStyles2(getStyles);
  const [params, update] = useUrlState();
  // A link (a runbook, an alert) may ask for the history of one action or target.
  const [jobFilter, setJobFilter] = useState<{ status?: JobStatus; action?: string; target?: string }>(() => ({
    status: STATUSES.find((s) => s === params.get('status')),
    action: params.get('action') ?? undefined,
    target: params.get('target') ?? undefined,
  }));
  const [auditFilter, setAuditFilter] = useState<{
    actor?: string;
    action?: string;
    target?: string;
    outcome?: string;
  }>({});
  const running = useLoader(() => exporterClient.jobs({ status: 'running', limit: 50 }), 'running', 2_000);
  const history = usePagedList(
    (cursor) => exporterClient.jobs({ ...jobFilter, limit: PAGE, cursor }),
    (job) => job.id,
    JSON.stringify(jobFilter),
    15_000
  );
  const audit = usePagedList(
    (cursor) => exporterClient.audit({ ...auditFilter, limit: PAGE, cursor }),
    (entry) => String(entry.id),
    JSON.stringify(auditFilter),
    15_000
  );
  const openJob = params.get('job') ?? undefined;

  const jobColumns = useMemo<Array<Column<Job>>>(
    () => [
      { id: 'createdAt', header: 'Started', cell: ({ row }) => formatTime(row.original.createdAt) },
      { id: 'action', header: 'Action' },
      { id: 'target', header: 'Target' },
      {
        id: 'status',
        header: 'Status',
        cell: ({ row }) => <JobStatusBadge status={row.original.status} dryRun={row.original.dryRun} />,
      },
      { id: 'actor', header: 'By', cell: ({ row }) => `${row.original.actor} (${row.original.origin})` },
      { id: 'duration', header: 'Took', cell: ({ row }) => jobDuration(row.original) },
      {
        id: 'error',
        header: 'Error',
        cell: ({ row }) => <span className={styles.clip}>{row.original.error?.message ?? ''}</span>,
      },
      {
        id: 'open',
        header: '',
        cell: ({ row }) => (
          <Button size="sm" variant="secondary" fill="text" icon="eye" onClick={() => update({ job: row.original.id })}>
            Details
          </Button>
        ),
      },
    ],
    [update, styles]
  );

  const auditColumns = useMemo<Array<Column<AuditEntry>>>(
    () => [
      { id: 'at', header: 'When', cell: ({ row }) => formatTime(row.original.at) },
      {
        id: 'actor',
        header: 'Who',
        cell: ({ row }) => `${row.original.actor}${row.original.tokenName ? ` (token ${row.original.tokenName})` : ''}`,
      },
      { id: 'event', header: 'What' },
      { id: 'action', header: 'Action', cell: ({ row }) => row.original.action ?? '—' },
      { id: 'target', header: 'Target', cell: ({ row }) => row.original.target ?? '—' },
      {
        id: 'outcome',
        header: 'Outcome',
        cell: ({ row }) => `${row.original.outcome}${row.original.statusCode ? ` (${row.original.statusCode})` : ''}`,
      },
      {
        id: 'detail',
        header: 'Detail',
        cell: ({ row }) => <span className={styles.clip}>{row.original.detail ?? ''}</span>,
      },
      {
        id: 'job',
        header: '',
        cell: ({ row }) =>
          row.original.jobId ? (
            <Button
              size="sm"
              variant="secondary"
              fill="text"
              icon="eye"
              onClick={() => update({ job: row.original.jobId ?? undefined })}
            >
              Job
            </Button>
          ) : null,
      },
    ],
    [update, styles]
  );

  const text = (value: string) => (value.trim() === '' ? undefined : value.trim());

  return (
    <PageFrame needsPrometheus={false}>
      <section>
        <Text element="h4">Running now</Text>
        <ProblemAlert title="Could not list the running jobs" error={running.error} />
        {running.loading ? (
          <LoadingPlaceholder text="Listing running jobs…" />
        ) : (running.data?.items.length ?? 0) === 0 ? (
          <Text color="secondary">No job is running.</Text>
        ) : (
          <Stack direction="column" gap={1} data-testid="running-jobs">
            {running.data?.items.map((job) => (
              <div key={job.id} className={styles.card}>
                <Stack direction="row" justifyContent="space-between" alignItems="center">
                  <Text weight="medium">
                    {job.action} on {job.target} by {job.actor}
                  </Text>
                  <CancelJobButton job={job} onCancelled={running.reload} />
                </Stack>
                <JobProgress job={job} />
              </div>
            ))}
          </Stack>
        )}
      </section>

      <section>
        <Text element="h4">History</Text>
        <Stack direction="row" gap={1} alignItems="flex-end" wrap="wrap">
          <Field label="Status" noMargin>
            <Combobox
              width={20}
              isClearable
              options={STATUSES.map((s) => ({ value: s, label: s }))}
              value={jobFilter.status ?? null}
              onChange={(o) => setJobFilter({ ...jobFilter, status: (o?.value as JobStatus | undefined) ?? undefined })}
            />
          </Field>
          <Field label="Action" noMargin>
            <Input
              width={20}
              defaultValue={jobFilter.action}
              onBlur={(e) => setJobFilter({ ...jobFilter, action: text(e.currentTarget.value) })}
              placeholder="vacuum"
            />
          </Field>
          <Field label="Target" noMargin>
            <Input
              width={20}
              defaultValue={jobFilter.target}
              onBlur={(e) => setJobFilter({ ...jobFilter, target: text(e.currentTarget.value) })}
              placeholder="main"
            />
          </Field>
        </Stack>
        <ProblemAlert title="Could not list the jobs" error={history.error} />
        {history.loading ? (
          <LoadingPlaceholder text="Listing jobs…" />
        ) : (
          <div className={styles.scroll} data-testid="job-history">
            <InteractiveTable columns={jobColumns} data={history.items} getRowId={(j) => j.id} />
            {history.hasMore && (
              <Button variant="secondary" size="sm" onClick={history.loadMore}>
                Older jobs
              </Button>
            )}
          </div>
        )}
      </section>

      <section>
        <Text element="h4">Audit log</Text>
        <Stack direction="row" gap={1} alignItems="flex-end" wrap="wrap">
          <Field label="Who" noMargin>
            <Input
              width={24}
              onBlur={(e) => setAuditFilter({ ...auditFilter, actor: text(e.currentTarget.value) })}
              placeholder="grafana:alice"
            />
          </Field>
          <Field label="Action" noMargin>
            <Input
              width={20}
              onBlur={(e) => setAuditFilter({ ...auditFilter, action: text(e.currentTarget.value) })}
              placeholder="vacuum"
            />
          </Field>
          <Field label="Target" noMargin>
            <Input
              width={20}
              onBlur={(e) => setAuditFilter({ ...auditFilter, target: text(e.currentTarget.value) })}
              placeholder="main"
            />
          </Field>
          <Field label="Outcome" noMargin>
            <Combobox
              width={20}
              isClearable
              options={OUTCOMES.map((o) => ({ value: o, label: o }))}
              value={auditFilter.outcome ?? null}
              onChange={(o) => setAuditFilter({ ...auditFilter, outcome: o?.value ?? undefined })}
            />
          </Field>
        </Stack>
        <ProblemAlert title="Could not read the audit log" error={audit.error} />
        {audit.loading ? (
          <LoadingPlaceholder text="Reading the audit log…" />
        ) : (
          <div className={styles.scroll} data-testid="audit-log">
            <InteractiveTable columns={auditColumns} data={audit.items} getRowId={(e) => String(e.id)} />
            {audit.hasMore && (
              <Button variant="secondary" size="sm" onClick={audit.loadMore}>
                Older entries
              </Button>
            )}
          </div>
        )}
      </section>

      {openJob && (
        <Drawer title={`Job ${openJob.slice(0, 8)}`} onClose={() => update({ job: undefined })} size="md">
          <JobDetails id={openJob} />
        </Drawer>
      )}
    </PageFrame>
  );
}

export default Jobs;

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    padding: theme.spacing(1.5),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
  }),
  scroll: css({ overflowX: 'auto', 'td, th': { whiteSpace: 'nowrap' } }),
  clip: css({
    display: 'inline-block',
    maxWidth: 360,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    verticalAlign: 'bottom',
  }),
});
