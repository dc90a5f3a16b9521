/**
 * Bloat & vacuum: every table the exporter reports for a target, worst
 * first, with Vacuum, Analyze, Reindex and Vacuum full beside it; the
 * databases' transaction-id age and invalid indexes. A deep link
 * (`?database=shop&table=public.orders&action=vacuum`) opens that action's
 * dialog for that table.
 */
import React, { useMemo } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { EmptyState, InteractiveTable, LoadingPlaceholder, Stack, Text, useStyles2, type Column } from '@grafana/ui';
import { ActionButton } from '../../components/ActionButton';
import { LinkedAction } from '../../components/LinkedAction';
import { PageFrame } from '../../components/PageFrame';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SeverityCell } from '../../components/SeverityCell';
import { TargetPicker } from '../../components/TargetPicker';
import { formatAgo, formatBytes, formatCount, formatPercent } from '../../format/values';
import { useMetrics } from '../../hooks/useMetrics';
import { usePageTarget } from '../../hooks/usePageTarget';
import { useRefreshAfterJob } from '../../hooks/useRefreshAfterJob';
import { useUrlState } from '../../hooks/useUrlState';
import { bloatQueries } from '../../metrics/queries';
import { severityRank } from '../../metrics/thresholds';
import { databaseRows, rowSeverity, tableRows, type DatabaseRow, type TableRow } from './bloatRows';

const TABLE_ACTIONS = ['vacuum', 'analyze', 'reindex'] as const;

export function Bloat() {
  const styles = useStyles2(getStyles);
  const { target, choices, setTarget, targetsError } = usePageTarget('postgres');
  const [params, update] = useUrlState();
  const metrics = useMetrics(bloatQueries(target ?? ''));
  const refreshAfterJob = useRefreshAfterJob(metrics.reload);
  const linked = {
    database: params.get('database'),
    table: params.get('table'),
    index: params.get('index'),
    action: params.get('action'),
  };
  const clearDeepLink = () => update({ action: undefined });

  // Worst first; a linked table first of all, so its row (and dialog) is on the table's first page.
  const rows = useMemo(() => {
    const linkedFirst = (row: TableRow) => (row.database === linked.database && row.table === linked.table ? 0 : 1);
    return metrics.data
      ? tableRows(metrics.data).sort(
          (a, b) =>
            linkedFirst(a) - linkedFirst(b) ||
            severityRank(rowSeverity(b)) - severityRank(rowSeverity(a)) ||
            (b.bloatBytes ?? 0) - (a.bloatBytes ?? 0)
        )
      : [];
  }, [metrics.data, linked.database, linked.table]);
  const databases = useMemo(() => (metrics.data ? databaseRows(metrics.data) : []), [metrics.data]);
  const refreshedAt = metrics.data?.refreshedAt[0]?.value;

  const isLinked = (row: TableRow) => !linked.index && row.database === linked.database && row.table === linked.table;
  // A linked action for an index, a whole database or a table without a row here: offered above the table.
  const linkedElsewhere =
    target &&
    linked.action &&
    TABLE_ACTIONS.some((a) => a === linked.action) &&
    metrics.data !== undefined &&
    !rows.some(isLinked)
      ? linked.action
      : undefined;

  const columns = useMemo<Array<Column<TableRow>>>(
    () => [
      { id: 'database', header: 'Database', sortType: 'alphanumeric' },
      {
        id: 'table',
        header: 'Table',
        sortType: 'alphanumeric',
        cell: ({ row }) => <span className={cx(isLinked(row.original) && styles.linked)}>{row.original.table}</span>,
      },
      { id: 'sizeBytes', header: 'Size', sortType: 'number', cell: ({ row }) => formatBytes(row.original.sizeBytes) },
      {
        id: 'bloatBytes',
        header: 'Est. bloat',
        sortType: 'number',
        cell: ({ row }) => (
          <SeverityCell
            severity={row.original.bloatSeverity}
            text={`${formatBytes(row.original.bloatBytes)} (${formatPercent(row.original.bloatRatio, 0)})`}
            tooltip="Estimated from the catalogs and pg_stats: heap space beyond what the live rows need."
          />
        ),
      },
      {
        id: 'deadTuples',
        header: 'Dead rows',
        sortType: 'number',
        cell: ({ row }) => (
          <span data-testid={`dead-tuples-${row.original.database}-${row.original.table}`}>
            <SeverityCell severity={row.original.deadSeverity} text={formatCount(row.original.deadTuples)} />
          </span>
        ),
      },
      {
        id: 'lastVacuum',
        header: 'Last vacuum',
        sortType: 'number',
        cell: ({ row }) => (
          <SeverityCell severity={row.original.vacuumSeverity} text={formatAgo(row.original.lastVacuum)} />
        ),
      },
      {
        id: 'lastAnalyze',
        header: 'Last analyze',
        sortType: 'number',
        cell: ({ row }) => formatAgo(row.original.lastAnalyze),
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }) => (
          <Stack direction="row" gap={1}>
            {TABLE_ACTIONS.map((action) => (
              <ActionButton
                key={action}
                action={action}
                target={target ?? ''}
                params={{ database: row.original.database, table: row.original.table }}
                autoOpen={isLinked(row.original) && linked.action === action}
                onClose={clearDeepLink}
                onFinished={refreshAfterJob}
              />
            ))}
            <ActionButton
              action="vacuum"
              label="Vacuum full"
              icon="database"
              target={target ?? ''}
              params={{ database: row.original.database, table: row.original.table, full: true }}
              autoOpen={isLinked(row.original) && linked.action === 'vacuum-full'}
              onClose={clearDeepLink}
              onFinished={refreshAfterJob}
            />
          </Stack>
        ),
      },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [target, linked.database, linked.table, linked.action, refreshAfterJob, styles]
  );

  const databaseColumns = useMemo<Array<Column<DatabaseRow>>>(
    () => [
      { id: 'database', header: 'Database', sortType: 'alphanumeric' },
      {
        id: 'xidAge',
        header: 'Transaction ID age',
        sortType: 'number',
        cell: ({ row }) => (
          <SeverityCell
            severity={row.original.xidSeverity}
            text={formatCount(row.original.xidAge)}
            tooltip="age(datfrozenxid): PostgreSQL stops accepting writes near 2^31."
          />
        ),
      },
      {
        id: 'invalidIndexes',
        header: 'Invalid indexes',
        sortType: 'number',
        cell: ({ row }) => (
          <SeverityCell
            severity={row.original.invalidIndexes ? 'warning' : 'ok'}
            text={formatCount(row.original.invalidIndexes)}
          />
        ),
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }) => (
          <Stack direction="row" gap={1}>
            <ActionButton
              action="vacuum"
              label="Vacuum database"
              target={target ?? ''}
              params={{ database: row.original.database }}
              onFinished={refreshAfterJob}
            />
            <ActionButton
              action="analyze"
              label="Analyze database"
              target={target ?? ''}
              params={{ database: row.original.database }}
              onFinished={refreshAfterJob}
            />
            <ActionButton
              action="reindex"
              label="Reindex database"
              target={target ?? ''}
              params={{ database: row.original.database }}
              onFinished={refreshAfterJob}
            />
          </Stack>
        ),
      },
    ],
    [target, refreshAfterJob]
  );

  return (
    <PageFrame>
      <Stack direction="row" alignItems="flex-end" gap={2} wrap="wrap">
        <TargetPicker targets={choices} value={target} onChange={setTarget} />
        {refreshedAt !== undefined && (
          <Text color="secondary" variant="bodySmall">
            Estimates taken {formatAgo(refreshedAt)} (the bloat collector runs every 15 minutes, and right after a
            vacuum or reindex).
          </Text>
        )}
      </Stack>
      <ProblemAlert title="Could not list the exporter’s targets" error={targetsError} />
      <ProblemAlert title="Could not read the metrics" error={metrics.error} />
      {linkedElsewhere && target && (
        <LinkedAction
          action={linkedElsewhere}
          target={target}
          params={{
            database: linked.database ?? undefined,
            table: linked.index ? undefined : (linked.table ?? undefined),
            index: linked.index ?? undefined,
          }}
          onClose={clearDeepLink}
          onFinished={refreshAfterJob}
        />
      )}
      {metrics.loading ? (
        <LoadingPlaceholder text="Reading table statistics…" />
      ) : rows.length === 0 ? (
        <EmptyState variant="not-found" message="No tables reported">
          The bloat collector reports tables above its size floor (tables.minSizeBytes) once it has run. None yet for{' '}
          {target ?? 'this target'}.
        </EmptyState>
      ) : (
        <div className={styles.scroll} data-testid="bloat-table">
          <InteractiveTable columns={columns} data={rows} getRowId={(row) => row.id} pageSize={50} />
        </div>
      )}
      {databases.length > 0 && (
        <section>
          <Text element="h4">Databases</Text>
          <InteractiveTable columns={databaseColumns} data={databases} getRowId={(row) => row.database} />
        </section>
      )}
    </PageFrame>
  );
}

export default Bloat;

const getStyles = (theme: GrafanaTheme2) => ({
  scroll: css({ overflowX: 'auto', 'td, th': { whiteSpace: 'nowrap' } }),
  linked: css({ fontWeight: theme.typography.fontWeightBold, color: theme.colors.primary.text }),
});
