/** Every target's health at a glance, worst first; each cell links to the page that shows more and fixes it. */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  EmptyState,
  InteractiveTable,
  LoadingPlaceholder,
  Stack,
  Text,
  TextLink,
  useStyles2,
  type Column as TableColumn,
} from '@grafana/ui';
import { PageFrame } from '../../components/PageFrame';
import { pageUrl, ROUTES } from '../../constants';
import { useUrlState } from '../../hooks/useUrlState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SeverityCell } from '../../components/SeverityCell';
import { useMetrics } from '../../hooks/useMetrics';
import { useTargets } from '../../hooks/useTargets';
import { overviewQueries } from '../../metrics/queries';
import { severityRank } from '../../metrics/thresholds';
import { overviewRows, type Column, type OverviewRow } from './overviewRows';

const HEADERS: Record<Column, string> = {
  up: 'Up',
  backup: 'Backup age',
  replication: 'Replication lag',
  cache: 'Cache hit ratio',
  bloat: 'Worst bloat',
  query: 'Longest query',
  certificate: 'Certificate expiry',
  disk: 'Fullest disk',
  collectors: 'Collectors',
};

export function Overview() {
  const styles = useStyles2(getStyles);
  const targets = useTargets();
  const metrics = useMetrics(overviewQueries);
  const [params] = useUrlState();
  // A link (an alert's runbook) may name one target: show it alone.
  const only = params.get('target') ?? undefined;
  const rows = useMemo(() => {
    const all = metrics.data ? overviewRows(targets.data ?? [], metrics.data) : [];
    return only ? all.filter((r) => r.target === only) : all;
  }, [targets.data, metrics.data, only]);

  const columns = useMemo<Array<TableColumn<OverviewRow>>>(
    () => [
      {
        id: 'target',
        header: 'Target',
        sortType: (a, b) => a.original.target.localeCompare(b.original.target),
        cell: ({ row }) => (
          <Stack direction="column" gap={0}>
            <Text weight="medium">{row.original.target}</Text>
            <Text variant="bodySmall" color="secondary">
              {row.original.kind || 'unknown kind'}
            </Text>
          </Stack>
        ),
      },
      ...(Object.keys(HEADERS) as Column[]).map((column): TableColumn<OverviewRow> => ({
        id: column,
        header: HEADERS[column],
        sortType: (a, b) =>
          severityRank(a.original.cells[column].severity) - severityRank(b.original.cells[column].severity),
        cell: ({ row }) => <SeverityCell {...row.original.cells[column]} />,
      })),
    ],
    []
  );

  return (
    <PageFrame>
      {only && (
        <Text color="secondary">
          Showing target {only} only.{' '}
          <TextLink href={pageUrl(ROUTES.Overview)} inline>
            All targets
          </TextLink>
        </Text>
      )}
      <ProblemAlert title="Could not read the metrics" error={metrics.error} />
      <ProblemAlert title="Could not list the exporter’s targets" error={targets.error} />
      {metrics.loading ? (
        <LoadingPlaceholder text="Reading every target’s health…" />
      ) : rows.length === 0 ? (
        <EmptyState variant="not-found" message="No targets yet">
          The exporter reports no targets, and Prometheus has no Upkeep series. Add targets to the exporter’s
          configuration.
        </EmptyState>
      ) : (
        <div className={styles.table} data-testid="overview-table">
          <InteractiveTable columns={columns} data={rows} getRowId={(row) => row.target} />
        </div>
      )}
      <Text variant="bodySmall" color="secondary">
        Colours follow the alert rules’ thresholds (alerts/thresholds.json). Worst targets first; refreshed every 15 s.
      </Text>
    </PageFrame>
  );
}

export default Overview;

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({ overflowX: 'auto', 'td, th': { whiteSpace: 'nowrap' }, marginBottom: theme.spacing(1) }),
});
