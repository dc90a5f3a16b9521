/**
 * A job as it runs and as it ended: status, phase, a bar where the work is
 * measurable, the figures behind the phase, elapsed time, and the result or
 * the error; with a link to the job on the Jobs & audit page.
 */
import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import type { Job } from '../../api/exporterTypes';
import { pageUrl, ROUTES } from '../../constants';
import { formatDuration } from '../../format/values';
import { formatScalar, ResultView } from '../ResultView';
import { JobStatusBadge } from '../StatusBadge';

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) {
      return;
    }
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

export function ProgressBar({ percent }: { percent: number }) {
  const styles = useStyles2(getStyles);
  const clamped = Math.max(0, Math.min(100, percent));
  return (
    <div className={styles.track} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(clamped)}>
      <div className={styles.fill} style={{ width: `${clamped}%` }} />
    </div>
  );
}

export function jobLink(job: Pick<Job, 'id'>): string {
  return pageUrl(ROUTES.Jobs, { job: job.id });
}

export function JobProgress({ job }: { job: Job }) {
  const styles = useStyles2(getStyles);
  const running = job.status === 'running' || job.status === 'queued';
  const now = useNow(running);
  const started = Date.parse(job.startedAt ?? job.createdAt);
  const ended = job.finishedAt ? Date.parse(job.finishedAt) : now;
  const progress = job.progress;
  return (
    <div className={styles.box} data-testid="job-progress" data-status={job.status}>
      <Stack direction="row" alignItems="center" gap={1} wrap="wrap">
        <JobStatusBadge status={job.status} dryRun={job.dryRun} />
        {progress?.phase && (
          <Text element="span" weight="medium" data-testid="job-phase">
            {progress.phase}
          </Text>
        )}
        {progress?.percent !== undefined && (
          <Text element="span" color="secondary" data-testid="job-percent">
            {Math.round(progress.percent)} %
          </Text>
        )}
        <Text element="span" color="secondary">
          {running ? 'running for' : 'took'} {formatDuration((ended - started) / 1000)}
        </Text>
        <TextLink href={jobLink(job)} inline={false}>
          Job {job.id.slice(0, 8)}
        </TextLink>
      </Stack>
      {running && progress?.percent !== undefined && <ProgressBar percent={progress.percent} />}
      {running && progress?.detail && Object.keys(progress.detail).length > 0 && (
        <div className={styles.detail}>
          {Object.entries(progress.detail)
            .map(([key, value]) => `${key}: ${formatScalar(key, value)}`)
            .join(' · ')}
        </div>
      )}
      {job.cancelRequestedAt && running && <Text color="warning">Cancelling (asked by {job.cancelRequestedBy ?? 'someone'})…</Text>}
      {job.status === 'succeeded' && job.result !== null && <ResultView result={job.result} />}
      {job.error && (
        <Alert severity={job.status === 'cancelled' ? 'warning' : 'error'} title={`${job.status}: ${job.error.code}`} data-testid="job-error">
          {job.error.message}
        </Alert>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), marginTop: theme.spacing(1) }),
  track: css({
    height: 8,
    borderRadius: theme.shape.radius.pill,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    overflow: 'hidden',
  }),
  fill: css({ height: '100%', background: theme.colors.primary.main, transition: 'width 0.5s ease' }),
  detail: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
