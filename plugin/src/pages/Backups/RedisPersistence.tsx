/** A Redis target's persistence: the last RDB save, whether it worked, what has changed since; with BGSAVE. */
import React from 'react';
import { LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import type { Job } from '../../api/exporterTypes';
import { ActionButton } from '../../components/ActionButton';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SeverityCell } from '../../components/SeverityCell';
import { formatCount, formatDuration } from '../../format/values';
import { useMetrics } from '../../hooks/useMetrics';
import { redisPersistenceQueries } from '../../metrics/queries';
import { severityOf } from '../../metrics/thresholds';

export interface RedisPersistenceProps {
  target: string;
  autoOpen: boolean;
  onClose: () => void;
  onFinished: (job: Job) => void;
}

export function RedisPersistence({ target, autoOpen, onClose, onFinished }: RedisPersistenceProps) {
  const metrics = useMetrics(redisPersistenceQueries(target));
  const m = metrics.data;
  const lastSave = m?.lastSave[0]?.value;
  const ok = m?.lastBgsaveOk[0]?.value;
  // Redis reports 0 before its first save: never saved is as old as it gets.
  const age = lastSave === undefined ? undefined : lastSave > 0 ? m?.saveAge[0]?.value : Number.POSITIVE_INFINITY;
  // As RedisPersistenceStale: an old snapshot matters only with changes since it and no AOF.
  const atRisk = (m?.changesSinceSave[0]?.value ?? 0) > 0 && m?.aofEnabled[0]?.value !== 1;
  return (
    <section data-testid="redis-persistence">
      <Stack direction="row" alignItems="center" gap={2}>
        <Text element="h4">Redis persistence</Text>
        <ActionButton
          action="redis-bgsave"
          label="BGSAVE now"
          icon="save"
          target={target}
          autoOpen={autoOpen}
          onClose={onClose}
          onFinished={(job) => {
            metrics.reload();
            onFinished(job);
          }}
        />
      </Stack>
      <ProblemAlert title="Could not read the metrics" error={metrics.error} />
      {metrics.loading ? (
        <LoadingPlaceholder text="Reading Redis persistence…" />
      ) : (
        <Stack direction="row" gap={2} wrap="wrap">
          <SeverityCell
            severity={atRisk ? severityOf('redisPersistenceAgeSeconds', age) : age === undefined ? 'unknown' : 'ok'}
            tooltip={
              atRisk
                ? 'Changes since the last snapshot, and no AOF: a restart would lose them.'
                : 'Nothing unsaved, or AOF keeps it.'
            }
            text={lastSave === 0 ? 'never saved' : `last RDB save ${formatDuration(age)} ago`}
          />
          <SeverityCell
            severity={ok === undefined ? 'unknown' : ok === 1 ? 'ok' : 'critical'}
            text={ok === 0 ? 'last BGSAVE failed' : 'last BGSAVE ok'}
          />
          <Text color="secondary">{formatCount(m?.changesSinceSave[0]?.value)} changes since</Text>
          {m?.bgsaveInProgress[0]?.value === 1 && <Text color="warning">a BGSAVE is running</Text>}
          <Text color="secondary">AOF {m?.aofEnabled[0]?.value === 1 ? 'on' : 'off'}</Text>
        </Stack>
      )}
    </section>
  );
}
