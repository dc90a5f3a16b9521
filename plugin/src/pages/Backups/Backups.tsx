/**
 * Backups of a target: every source the collector reads (age of the newest
 * backup per kind, size, what was rejected, last verification), WAL
 * archiving, and the dump directory the actions work in, with Back up now,
 * Verify and Prune (with a dry-run preview of what would be deleted).
 */
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Badge,
  EmptyState,
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
import type { ListedDump } from '../../api/exporterTypes';
import { RequestError } from '../../api/requestErrors';
import { ActionButton } from '../../components/ActionButton';
import { PageFrame } from '../../components/PageFrame';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SeverityCell } from '../../components/SeverityCell';
import { TargetPicker } from '../../components/TargetPicker';
import { formatAgo, formatBytes, formatDuration, formatTime } from '../../format/values';
import { useLoader } from '../../hooks/useLoader';
import { useMetrics } from '../../hooks/useMetrics';
import { usePageTarget } from '../../hooks/usePageTarget';
import { useRefreshAfterJob } from '../../hooks/useRefreshAfterJob';
import { useUrlState } from '../../hooks/useUrlState';
import { backupQueries } from '../../metrics/queries';
import { sourceRows, type SourceRow } from './backupSources';
import { RedisPersistence } from './RedisPersistence';

interface KindLine {
  id: string;
  source: SourceRow;
  kind: SourceRow['kinds'][number] | undefined;
}

const positiveNumber = (text: string): number | undefined => {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) && value > 0 ? value : undefined;
};

export function Backups() {
  const styles = useStyles2(getStyles);
  const { target, kind, choices, setTarget, targetsError } = usePageTarget('postgres', 'redis');
  const [params, update] = useUrlState();
  const metrics = useMetrics(backupQueries(target ?? ''));
  const isRedis = kind === 'redis';
  const dumps = useLoader(
    () => (target && !isRedis ? exporterClient.backups(target) : Promise.resolve(undefined)),
    `${target ?? ''}/${kind ?? ''}`,
    30_000
  );
  const reloadAll = () => {
    metrics.reload();
    dumps.reload();
  };
  const refreshAfterJob = useRefreshAfterJob(reloadAll);
  const [keepLast, setKeepLast] = useState('7');
  const [maxAgeDays, setMaxAgeDays] = useState('');
  const linkedAction = params.get('action');
  const linkedSource = params.get('source');
  const clearDeepLink = () => update({ action: undefined });

  const lines = useMemo<KindLine[]>(() => {
    // A link (an alert's runbook) may name one source: it comes first, marked.
    const sources = metrics.data
      ? sourceRows(metrics.data).sort((a, b) => Number(b.source === linkedSource) - Number(a.source === linkedSource))
      : [];
    return sources.flatMap((source): KindLine[] =>
      source.kinds.length > 0
        ? source.kinds.map((kind) => ({ id: `${source.source}/${kind.kind}`, source, kind }))
        : [{ id: source.source, source, kind: undefined }]
    );
  }, [metrics.data, linkedSource]);
  const archive = metrics.data;
  const archiveEnabled = archive?.archiveEnabled[0];
  const lastArchived = archive?.archiveLastSuccess[0]?.value;
  const lastArchiveFailure = archive?.archiveLastFailure[0]?.value;

  const sourceColumns = useMemo<Array<Column<KindLine>>>(
    () => [
      {
        id: 'source',
        header: 'Source',
        cell: ({ row }) => (
          <Stack direction="column" gap={0}>
            <Text
              weight={row.original.source.source === linkedSource ? 'bold' : 'medium'}
              color={row.original.source.source === linkedSource ? 'primary' : undefined}
            >
              {row.original.source.source}
            </Text>
            <Text variant="bodySmall" color="secondary">
              {row.original.source.sourceKind}
            </Text>
          </Stack>
        ),
      },
      {
        id: 'state',
        header: 'Status',
        cell: ({ row }) =>
          row.original.source.up === false ? (
            <SeverityCell
              severity="critical"
              text={`down: ${row.original.source.errorReason ?? 'error'}`}
              tooltip="The exporter log has the full message (backup_source.down)."
            />
          ) : (
            <SeverityCell
              severity={row.original.source.up ? 'ok' : 'unknown'}
              text={row.original.source.up ? 'read' : '—'}
            />
          ),
      },
      { id: 'kind', header: 'Kind', cell: ({ row }) => row.original.kind?.kind ?? '—' },
      {
        id: 'age',
        header: 'Newest backup',
        cell: ({ row }) =>
          row.original.kind ? (
            <SeverityCell
              severity={row.original.kind.severity}
              text={
                row.original.kind.ageSeconds === undefined
                  ? 'none'
                  : `${formatDuration(row.original.kind.ageSeconds)} ago`
              }
            />
          ) : (
            '—'
          ),
      },
      { id: 'size', header: 'Size', cell: ({ row }) => formatBytes(row.original.kind?.sizeBytes) },
      { id: 'duration', header: 'Took', cell: ({ row }) => formatDuration(row.original.kind?.durationSeconds) },
      { id: 'count', header: 'Backups', cell: ({ row }) => row.original.source.backups ?? '—' },
      {
        id: 'rejected',
        header: 'Not counted',
        cell: ({ row }) =>
          row.original.source.rejected.length === 0 ? (
            'none'
          ) : (
            <Stack direction="row" gap={0.5} wrap="wrap">
              {row.original.source.rejected.map((r) => (
                <Badge key={r.reason} color="orange" text={`${r.reason}: ${r.count}`} />
              ))}
            </Stack>
          ),
      },
      {
        id: 'verified',
        header: 'Last verified',
        cell: ({ row }) => (
          <SeverityCell
            severity={row.original.source.verifySeverity}
            text={formatAgo(row.original.source.lastVerified)}
          />
        ),
      },
    ],
    [linkedSource]
  );

  const dumpColumns = useMemo<Array<Column<ListedDump>>>(
    () => [
      { id: 'file', header: 'File', cell: ({ row }) => <code>{row.original.file}</code> },
      { id: 'database', header: 'Database' },
      { id: 'finishedAt', header: 'Finished', cell: ({ row }) => formatTime(row.original.finishedAt) },
      { id: 'sizeBytes', header: 'Size', cell: ({ row }) => formatBytes(row.original.sizeBytes) },
      {
        id: 'verification',
        header: 'Verification',
        cell: ({ row }) => {
          const v = row.original.lastVerification;
          if (!v) {
            return <SeverityCell severity="unknown" text="never" />;
          }
          return (
            <SeverityCell
              severity={v.ok ? 'ok' : 'critical'}
              text={`${v.ok ? 'passed' : 'failed'} ${formatTime(v.verifiedAt)}`}
              tooltip={v.detail ?? v.method}
            />
          );
        },
      },
      {
        id: 'counted',
        header: 'Counts as backup',
        cell: ({ row }) =>
          row.original.counted ? (
            'yes'
          ) : (
            <SeverityCell
              severity="warning"
              text={row.original.problem?.reason ?? 'no'}
              tooltip={row.original.problem?.message}
            />
          ),
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }) => (
          <ActionButton
            action="verify-backup"
            label="Verify"
            target={target ?? ''}
            params={{ file: row.original.file }}
            onFinished={refreshAfterJob}
          />
        ),
      },
    ],
    [target, refreshAfterJob]
  );

  const noDumpDir = dumps.error instanceof RequestError && dumps.error.code === 'no_dump_dir_source';

  return (
    <PageFrame>
      <Stack direction="row" alignItems="flex-end" gap={2} wrap="wrap">
        <TargetPicker targets={choices} value={target} onChange={setTarget} />
        {target && !isRedis && (
          <Stack direction="row" gap={1}>
            <ActionButton
              action="backup"
              label="Back up now"
              icon="save"
              target={target}
              autoOpen={linkedAction === 'backup'}
              onClose={clearDeepLink}
              onFinished={refreshAfterJob}
            />
            <ActionButton
              action="verify-backup"
              label="Verify newest"
              icon="check-circle"
              target={target}
              autoOpen={linkedAction === 'verify-backup'}
              onClose={clearDeepLink}
              onFinished={refreshAfterJob}
            />
          </Stack>
        )}
      </Stack>
      <ProblemAlert title="Could not list the exporter’s targets" error={targetsError} />
      {target && isRedis && (
        <RedisPersistence
          target={target}
          autoOpen={linkedAction === 'redis-bgsave'}
          onClose={clearDeepLink}
          onFinished={refreshAfterJob}
        />
      )}
      {!isRedis && (
        <>
          <ProblemAlert title="Could not read the metrics" error={metrics.error} />

          <section>
            <Text element="h4">Sources</Text>
            {metrics.loading ? (
              <LoadingPlaceholder text="Reading backup sources…" />
            ) : lines.length === 0 ? (
              <EmptyState variant="not-found" message="No backup sources">
                {target ?? 'This target'} has no backup sources in the exporter’s configuration (backups: with target:{' '}
                {target}).
              </EmptyState>
            ) : (
              <div className={styles.scroll}>
                <InteractiveTable columns={sourceColumns} data={lines} getRowId={(line) => line.id} />
              </div>
            )}
          </section>

          {archiveEnabled && (
            <section>
              <Text element="h4">WAL archiving</Text>
              <Stack direction="row" gap={2} wrap="wrap">
                <SeverityCell
                  severity={archiveEnabled.value === 1 ? 'ok' : 'warning'}
                  text={archiveEnabled.value === 1 ? `on (${archiveEnabled.labels.archive_mode})` : 'off'}
                />
                <Text color="secondary">last archived {formatAgo(lastArchived)}</Text>
                {lastArchiveFailure !== undefined && (
                  <SeverityCell
                    severity={lastArchived === undefined || lastArchiveFailure > lastArchived ? 'critical' : 'ok'}
                    text={`last failure ${formatAgo(lastArchiveFailure)}`}
                    tooltip="Archiving is failing now when the last failure is newer than the last success."
                  />
                )}
              </Stack>
            </section>
          )}

          <section>
            <Text element="h4">Dump directory</Text>
            {noDumpDir ? (
              <Alert severity="info" title="No dump directory">
                The backup actions need a backup source of kind dump-dir for {target}; its other sources are read, not
                written.
              </Alert>
            ) : (
              <>
                <ProblemAlert title="Could not list the dump directory" error={dumps.error} />
                {dumps.data && (
                  <Stack direction="column" gap={1}>
                    <Text color="secondary" variant="bodySmall">
                      {dumps.data.source.name}: {dumps.data.source.path}
                      {Object.entries(dumps.data.ignored)
                        .filter(([, n]) => n > 0)
                        .map(([reason, n]) => ` · ${n} ${reason}`)
                        .join('')}
                    </Text>
                    <Stack direction="row" alignItems="flex-end" gap={1} wrap="wrap">
                      <Field label="Keep the newest" description="dumps per database" noMargin>
                        <Input
                          width={12}
                          type="number"
                          min={1}
                          value={keepLast}
                          onChange={(e) => setKeepLast(e.currentTarget.value)}
                          aria-label="Keep the newest"
                        />
                      </Field>
                      <Field label="and every dump younger than" description="days (optional)" noMargin>
                        <Input
                          width={12}
                          type="number"
                          min={0}
                          value={maxAgeDays}
                          onChange={(e) => setMaxAgeDays(e.currentTarget.value)}
                          aria-label="Keep younger than days"
                        />
                      </Field>
                      <ActionButton
                        action="prune-backups"
                        label="Prune…"
                        icon="trash-alt"
                        target={target ?? ''}
                        params={{ keepLast: positiveNumber(keepLast), maxAgeDays: positiveNumber(maxAgeDays) }}
                        autoOpen={linkedAction === 'prune-backups'}
                        onClose={clearDeepLink}
                        onFinished={refreshAfterJob}
                      />
                    </Stack>
                    {dumps.data.dumps.length === 0 ? (
                      <Text color="secondary">No dumps yet: “Back up now” writes the first.</Text>
                    ) : (
                      <InteractiveTable
                        columns={dumpColumns}
                        data={dumps.data.dumps}
                        getRowId={(d) => d.file}
                        pageSize={20}
                      />
                    )}
                  </Stack>
                )}
              </>
            )}
          </section>
        </>
      )}
    </PageFrame>
  );
}

export default Backups;

const getStyles = (_theme: GrafanaTheme2) => ({
  scroll: css({ overflowX: 'auto', 'td, th': { whiteSpace: 'nowrap' } }),
});
