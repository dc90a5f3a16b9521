/**
 * The frame of every app page: Grafana's page chrome, and the states that
 * stop a page from working (no exporter URL, no Prometheus data source, the
 * exporter refusing Grafana's token) said once, at the top, with the fix.
 */
import React, { type ReactNode } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, LinkButton, Stack } from '@grafana/ui';
import { PLUGIN_ID } from '../../constants';
import { useUpkeepSession } from '../../session/UpkeepSession';

export interface PageFrameProps {
  /** Reads metrics: needs the Prometheus data source. */
  needsPrometheus?: boolean;
  actions?: ReactNode;
  children: ReactNode;
}

export function PageFrame({ needsPrometheus = true, actions, children }: PageFrameProps) {
  const session = useUpkeepSession();
  const configLink = (
    <LinkButton href={`/plugins/${PLUGIN_ID}`} size="sm" variant="secondary" icon="cog">
      Configuration
    </LinkButton>
  );
  return (
    <PluginPage actions={actions}>
      <Stack direction="column" gap={2}>
        {!session.configured && (
          <Alert severity="warning" title="The app is not configured">
            <Stack direction="column" gap={1} alignItems="flex-start">
              <span>Set the exporter URL and its token on the app’s Configuration page; until then no action can run.</span>
              {configLink}
            </Stack>
          </Alert>
        )}
        {needsPrometheus && session.configured && !session.settings.prometheusDatasourceUid && (
          <Alert severity="warning" title="No Prometheus data source chosen">
            The metrics on this page come from the Prometheus that scrapes the exporter: choose it on the Configuration page.
          </Alert>
        )}
        {session.configured && session.problem && (
          <Alert severity="error" title="The exporter cannot be reached through Grafana">
            {session.problem}
          </Alert>
        )}
        {children}
      </Stack>
    </PluginPage>
  );
}
