/** The "Upkeep action" panel: one configured action button, with the app's whole confirm / progress / result flow. */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { Alert, Stack, Text, useStyles2 } from '@grafana/ui';
import { ActionButton } from '../../components/ActionButton';
import { formatScalar } from '../../components/ResultView';
import { UpkeepSessionProvider } from '../../session/UpkeepSession';
import { useAppSettings } from './useAppSettings';
import { panelParams } from './panelParams';
import type { ActionPanelOptions } from './types';

export function ActionPanel({ options, replaceVariables, width, height }: PanelProps<ActionPanelOptions>) {
  const styles = useStyles2(getStyles);
  const settings = useAppSettings();
  const target = replaceVariables(options.target ?? '').trim();
  const parsed = panelParams(options.params ?? '{}', replaceVariables);
  if (!options.action) {
    return <Alert severity="info" title="Choose an action in the panel options" />;
  }
  if (!parsed.ok) {
    return <Alert severity="error" title="This panel’s params are wrong">{parsed.problem}</Alert>;
  }
  if (target === '' || target.startsWith('$')) {
    return <Alert severity="warning" title="No target">Set the panel’s target (a target name, or a dashboard variable that has a value).</Alert>;
  }
  const summary = Object.entries(parsed.params)
    .map(([k, v]) => `${k}=${formatScalar(k, v)}`)
    .join(', ');
  return (
    <UpkeepSessionProvider settings={settings}>
      <div className={styles.panel} style={{ width, height }} data-testid="upkeep-action-panel">
        <Stack direction="column" alignItems="center" justifyContent="center" gap={1}>
          <ActionButton action={options.action} target={target} params={parsed.params} label={options.label || undefined} size="lg" fill="solid" />
          <Text variant="bodySmall" color="secondary">
            {options.action} on {target}
            {summary ? ` (${summary})` : ''}
          </Text>
        </Stack>
      </div>
    </UpkeepSessionProvider>
  );
}

const getStyles = (_theme: GrafanaTheme2) => ({
  panel: css({ display: 'flex', alignItems: 'center', justifyContent: 'center', overflow: 'auto' }),
});
