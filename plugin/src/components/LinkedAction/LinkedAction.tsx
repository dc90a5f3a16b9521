/**
 * An action a link asked for (from a runbook, an alert or a dashboard) that
 * no row of the page holds: said at the top of the page, with its button,
 * its dialog opened at once.
 */
import React from 'react';
import { Alert, Stack, Text } from '@grafana/ui';
import type { Job, JsonValue } from '../../api/exporterTypes';
import { ActionButton } from '../ActionButton';
import { formatScalar } from '../ResultView';

export interface LinkedActionProps {
  action: string;
  target: string;
  params: Record<string, JsonValue | undefined>;
  onClose: () => void;
  onFinished?: (job: Job) => void;
}

export function LinkedAction({ action, target, params, onClose, onFinished }: LinkedActionProps) {
  const shown = Object.entries(params)
    .filter((entry): entry is [string, JsonValue] => entry[1] !== undefined)
    .map(([k, v]) => `${k} ${formatScalar(k, v)}`)
    .join(', ');
  return (
    <Alert severity="info" title={`A link asked for ${action} on ${target}`} onRemove={onClose} data-testid="linked-action">
      <Stack direction="row" alignItems="center" gap={2} wrap="wrap">
        <Text>{shown ? `With ${shown}.` : 'With no parameters.'}</Text>
        <ActionButton action={action} target={target} params={params} autoOpen onClose={onClose} onFinished={onFinished} />
      </Stack>
    </Alert>
  );
}
