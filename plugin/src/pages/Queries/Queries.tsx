/**
 * Queries of a target: the statements that take the most time (from
 * pg_stat_statements, through the metrics), and the sessions running now —
 * long queries, idle transactions, blocked sessions — each with Cancel and
 * Terminate. A deep link (`?pid=1234&action=cancel-query`) opens that dialog.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  EmptyState,
  InteractiveTable,
  LoadingPlaceholder,
  RadioButtonGroup,
  Stack,
  Text,
  useStyles2,
  type Column,
} from '@grafana/ui';
import { exporterClient } from '../../api/exporterClient';
import type { ListedSession } from '../../api/exporterTypes';
import { ActionButton } from '../../components/ActionButton';
import { PageFrame } from '../../components/PageFrame';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SeverityCell } from '../../components/SeverityCell';
import { TargetPicker } from '../../components/TargetPicker';
import { formatDuration } from '../../format/values';
import { useLoader } from '../../hooks/useLoader';
import { useMetrics } from '../../hooks/useMetrics';
import { usePageTarget } from '../../hooks/usePageTarget';
import { useRefreshAfterJob } from '../../hooks/useRefreshAfterJob';
import { useUrlState } from '../../hooks/useUrlState';
import { queryQueries } from '../../metrics/queries';
import { severityOf } from '../../metrics/thresholds';
import { writeRouteOf } from '../../permissions/actionPermission';
import { useUpkeepSession } from '../../session/UpkeepSession';
import { statementRows, type StatementRow } from './statementRows';

const MIN_AGES = [
  { label: 'all', value: 0 },
  { label: '≥ 5 s', value: 5 },
  { label: '≥ 1 min', value: 60 },
  { label: '≥ 5 min', value: 300 },
];

const SESSION_REFRESH_MS = 5_000;

function sessionSeverity(s: ListedSession) {
  if (s.state === 'active') {
    return severityOf('longestQuerySeconds', s.queryAgeSeconds ?? undefined);
  }
  if (s.state?.startsWith('idle in transaction')) {
    return severityOf('idleInTransactionSeconds', s.stateAgeSeconds ?? undefined);
  }
  return 'ok';
}

export function Queries() {
  const styles = useStyles2(getStyles);
  const { target, choices, setTarget, targetsError } = usePageTarget('postgres');
  const [params, update] = useUrlState();
  const minAge = Number(params.get('minAge') ?? '5');
  const metrics = useMetrics(queryQueries(target ?? ''));
  const readRoute = writeRouteOf(useUpkeepSession().grafanaRole);
  const sessions = useLoader(
    () => (target ? exporterClient.sessions(target, minAge, readRoute) : Promise.resolve(undefined)),
    `${target ?? ''}/${minAge}/${readRoute ?? ''}`,
    SESSION_REFRESH_MS
  );
  const refreshAfterJob = useRefreshAfterJob(sessions.reload);
  const linkedPid = params.get('pid');
  const linkedAction = params.get('action');
  const clearDeepLink = () => update({ action: undefined });

  // A link (a cache alert's runbook) may name one database: only its sessions and statements.
  const database = params.get('database') ?? undefined;
  const statements = useMemo(
    () => (metrics.data ? statementRows(metrics.data).filter((r) => !database || r.database === database) : []),
    [metrics.data, database]
  );
  const sessionRows = useMemo(
    () => (sessions.data?.sessions ?? []).filter((s) => !database || s.database === database),
    [sessions.data, database]
  );
  const available = metrics.data?.available[0]?.value;

  const statementColumns = useMemo<Array<Column<StatementRow>>>(
    () => [
      { id: 'database', header: 'Database' },
      { id: 'user', header: 'User' },
      { id: 'queryid', header: 'Query id', cell: ({ row }) => <code>{row.original.queryid}</code> },
      {
        id: 'timePerSecond',
        header: 'Time / s',
        sortType: 'number',
        cell: ({ row }) => `${(row.original.timePerSecond * 1000).toFixed(1)} ms`,
      },
      {
        id: 'callsPerSecond',
        header: 'Calls / s',
        sortType: 'number',
        cell: ({ row }) => row.original.callsPerSecond?.toFixed(2) ?? '—',
      },
      {
        id: 'meanSeconds',
        header: 'Mean',
        sortType: 'number',
        cell: ({ row }) => formatDuration(row.original.meanSeconds),
      },
      {
        id: 'rowsPerSecond',
        header: 'Rows / s',
        sortType: 'number',
        cell: ({ row }) => row.original.rowsPerSecond?.toFixed(1) ?? '—',
      },
      {
        id: 'query',
        header: 'Statement',
        cell: ({ row }) =>
          row.original.query ? (
            <code className={styles.query}>{row.original.query}</code>
          ) : (
            <Text color="secondary">text off (statements.queryText)</Text>
          ),
      },
    ],
    [styles]
  );

  const sessionColumns = useMemo<Array<Column<ListedSession>>>(
    () => [
      { id: 'pid', header: 'PID', sortType: 'number' },
      { id: 'database', header: 'Database' },
      { id: 'user', header: 'User' },
      { id: 'applicationName', header: 'Application' },
      { id: 'state', header: 'State' },
      {
        id: 'age',
        header: 'Running',
        cell: ({ row }) => {
          const s = row.original;
          const age = s.state === 'active' ? s.queryAgeSeconds : s.stateAgeSeconds;
          return (
            <SeverityCell
              severity={sessionSeverity(s)}
              text={formatDuration(age)}
              tooltip={`Transaction open for ${formatDuration(s.transactionAgeSeconds)}.`}
            />
          );
        },
      },
      {
        id: 'waiting',
        header: 'Waiting on',
        cell: ({ row }) => {
          const s = row.original;
          if (s.blockedBy.length > 0) {
            return <SeverityCell severity="warning" text={`locks of ${s.blockedBy.join(', ')}`} />;
          }
          return s.waitEvent ? `${s.waitEventType}: ${s.waitEvent}` : '—';
        },
      },
      {
        id: 'query',
        header: 'Query',
        cell: ({ row }) =>
          row.original.query ? (
            <code className={styles.query}>{row.original.query}</code>
          ) : (
            <Text color="secondary">—</Text>
          ),
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }) => {
          const s = row.original;
          if (s.upkeepJobId) {
            return <Text color="secondary">Upkeep job {s.upkeepJobId.slice(0, 8)}: cancel it on Jobs & audit</Text>;
          }
          if (!s.queryStart) {
            return null;
          }
          const params = { pid: s.pid, queryStart: s.queryStart };
          const linked = linkedPid === String(s.pid);
          return (
            <Stack direction="row" gap={1}>
              {s.state === 'active' && (
                <ActionButton
                  action="cancel-query"
                  label="Cancel"
                  icon="times"
                  target={target ?? ''}
                  params={params}
                  autoOpen={linked && linkedAction === 'cancel-query'}
                  onClose={clearDeepLink}
                  onFinished={refreshAfterJob}
                />
              )}
              <ActionButton
                action="terminate-backend"
                label="Terminate"
                icon="power"
                target={target ?? ''}
                params={params}
                autoOpen={linked && linkedAction === 'terminate-backend'}
                onClose={clearDeepLink}
                onFinished={refreshAfterJob}
              />
            </Stack>
          );
        },
      },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [target, linkedPid, linkedAction, refreshAfterJob, styles]
  );

  return (
    <PageFrame>
      <Stack direction="row" alignItems="flex-end" gap={2} wrap="wrap">
        <TargetPicker targets={choices} value={target} onChange={setTarget} />
      </Stack>
      <ProblemAlert title="Could not list the exporter’s targets" error={targetsError} />
      {database && (
        <Alert severity="info" title={`Database ${database} only`} onRemove={() => update({ database: undefined })}>
          The link names one database: only its sessions and statements are shown.
        </Alert>
      )}
      {!linkedPid && (linkedAction === 'cancel-query' || linkedAction === 'terminate-backend') && (
        <Alert
          severity="info"
          title={linkedAction === 'cancel-query' ? 'Cancel a query' : 'Terminate a session'}
          onRemove={clearDeepLink}
        >
          The link asks for {linkedAction}: choose the session below (longest first) and press{' '}
          {linkedAction === 'cancel-query' ? 'Cancel' : 'Terminate'} on its row.
        </Alert>
      )}

      <section>
        <Stack direction="row" alignItems="center" gap={2} wrap="wrap">
          <Text element="h4">Sessions now</Text>
          <RadioButtonGroup
            size="sm"
            options={MIN_AGES}
            value={minAge}
            onChange={(value) => update({ minAge: String(value) })}
          />
        </Stack>
        <ProblemAlert title="Could not list the sessions" error={sessions.error} />
        {sessions.loading ? (
          <LoadingPlaceholder text="Listing sessions…" />
        ) : sessions.data && sessionRows.length === 0 ? (
          <Text color="secondary">No session has run a query or held a transaction that long.</Text>
        ) : sessions.data ? (
          <div className={styles.scroll} data-testid="sessions-table">
            {!sessions.data.queryTextShown && (
              <Text variant="bodySmall" color="secondary">
                Query text is hidden: the exporter shows it to Grafana Editors and Admins, for targets with
                statements.queryText on.
              </Text>
            )}
            <InteractiveTable columns={sessionColumns} data={sessionRows} getRowId={(s) => String(s.pid)} />
          </div>
        ) : null}
      </section>

      <section>
        <Stack direction="row" alignItems="center" gap={2}>
          <Text element="h4">Top statements (last 5 minutes)</Text>
          {target && (
            <ActionButton
              action="reset-statements"
              label="Reset statistics"
              icon="history-alt"
              target={target}
              onFinished={metrics.reload}
            />
          )}
        </Stack>
        <ProblemAlert title="Could not read the metrics" error={metrics.error} />
        {available === 0 && (
          <Alert severity="warning" title="pg_stat_statements is not available">
            The exporter cannot read pg_stat_statements on {target}: preload it (shared_preload_libraries) and CREATE
            EXTENSION pg_stat_statements in the database of the exporter’s DSN.
          </Alert>
        )}
        {metrics.loading ? (
          <LoadingPlaceholder text="Reading statements…" />
        ) : statements.length === 0 ? (
          <EmptyState variant="not-found" message="No statement ran in the last 5 minutes" />
        ) : (
          <div className={styles.scroll}>
            <InteractiveTable columns={statementColumns} data={statements} getRowId={(r) => r.id} />
          </div>
        )}
      </section>
    </PageFrame>
  );
}

export default Queries;

const getStyles = (theme: GrafanaTheme2) => ({
  scroll: css({ overflowX: 'auto' }),
  query: css({
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    display: 'block',
    maxWidth: 600,
  }),
});
