/** One job, in full: progress while it runs (polled), then its result or error; who, when, with what. */
import React from 'react';
import { Stack, Text, useStyles2 } from '@grafana/ui';
import type { GrafanaTheme2 } from '@grafana/data';
import { factListStyle } from '../../styles/factList';
import { exporterClient } from '../../api/exporterClient';
import { ProblemAlert } from '../../components/ProblemAlert';
import { JobProgress } from '../../components/JobProgress';
import { formatTime } from '../../format/values';
import { useLoader } from '../../hooks/useLoader';
import { isFinished } from '../../components/ActionButton/useJobRun';
import { CancelJobButton } from './CancelJobButton';

export function JobDetails({ id }: { id: string }) {
  // Polled while it runs; a finished job does not change any more.
  const factList = useStyles2((theme: GrafanaTheme2) => factListStyle(theme, { monospace: true }));
  const loaded = useLoader(
    () => exporterClient.job(id),
    id,
    (job) => (job && isFinished(job) ? undefined : 1_000)
  );
  const job = loaded.data;
  if (!job) {
    return loaded.error ? (
      <ProblemAlert title="Could not read the job" error={loaded.error} />
    ) : (
      <Text color="secondary">Loading…</Text>
    );
  }
  const facts: Array<[string, string]> = [
    ['Action', `${job.action}${job.dryRun ? ' (dry run)' : ''}`],
    ['Target', job.target],
    ['Scope', job.scope],
    ['Params', JSON.stringify(job.params)],
    ['Asked by', `${job.actor} via ${job.origin}${job.tokenName ? `, token ${job.tokenName}` : ''}`],
    ['Created', formatTime(job.createdAt)],
    ['Started', formatTime(job.startedAt)],
    ['Finished', formatTime(job.finishedAt)],
    ['Job id', job.id],
  ];
  if (job.cancelRequestedAt) {
    facts.push(['Cancel asked', `${formatTime(job.cancelRequestedAt)} by ${job.cancelRequestedBy ?? '?'}`]);
  }
  return (
    <Stack direction="column" gap={2} data-testid="job-details">
      <dl className={factList}>
        {facts.map(([label, value]) => (
          <React.Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </React.Fragment>
        ))}
      </dl>
      <CancelJobButton job={job} onCancelled={loaded.reload} />
      <JobProgress job={job} />
    </Stack>
  );
}
