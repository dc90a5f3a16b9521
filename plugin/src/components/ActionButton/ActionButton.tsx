/**
 * A button for one maintenance action on one target: disabled, with a
 * tooltip that says why, when the user may not run it; otherwise it opens
 * the confirm dialog (ActionDialog, held by the ActionDialogHost above the
 * page). Every page and the action panel use it.
 */
import React, { useEffect } from 'react';
import { Button, Tooltip, type ComponentSize, type IconName } from '@grafana/ui';
import type { Job, JsonValue } from '../../api/exporterTypes';
import { actionPermission, type Permission } from '../../permissions/actionPermission';
import { useUpkeepSession } from '../../session/UpkeepSession';
import { useActionDialogs, type DialogRequest } from './ActionDialogHost';

export interface ActionButtonProps {
  action: string;
  target: string;
  /** Undefined values are left out (an absent optional param). */
  params?: Record<string, JsonValue | undefined>;
  label?: string;
  icon?: IconName;
  size?: ComponentSize;
  fill?: 'solid' | 'outline' | 'text';
  /** Open the dialog at once: a deep link asked for this action. */
  autoOpen?: boolean;
  onFinished?: (job: Job) => void;
  onClose?: () => void;
}

function definedParams(params: Record<string, JsonValue | undefined>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, JsonValue] => entry[1] !== undefined));
}

export function ActionButton({ action: name, target, params = {}, label, icon = 'play', size = 'sm', fill = 'outline', autoOpen, onFinished, onClose }: ActionButtonProps) {
  const session = useUpkeepSession();
  const dialogs = useActionDialogs();
  const action = session.action(name);
  const cleanParams = definedParams(params);
  const paramsKey = JSON.stringify(cleanParams);

  const text = label ?? action?.title ?? name;
  let disabledReason: string | undefined;
  let permission: Permission | undefined;
  if (!session.configured) {
    disabledReason = 'The app has no exporter URL yet: a Grafana admin sets it on the app’s Configuration page.';
  } else if (!action) {
    disabledReason = session.problem
      ? `The exporter cannot be asked: ${session.problem}`
      : session.loading
        ? 'Loading the exporter’s actions…'
        : `The exporter has no action named ${name}.`;
  } else {
    permission = actionPermission({
      action,
      params: cleanParams,
      grafanaRole: session.grafanaRole,
      whoami: session.whoami,
      whoamiProblem: session.problem,
      configured: session.configured,
    });
    disabledReason = permission.allowed ? undefined : permission.reason;
  }
  const request: DialogRequest | undefined = action && permission ? { action, target, params: cleanParams, permission, onFinished, onClose } : undefined;

  // A deep link opens the dialog once, even when it cannot run (it then says why).
  const linkKey = `${name}|${target}|${paramsKey}`;
  const ready = request !== undefined && (session.whoami !== undefined || session.problem !== undefined);
  useEffect(() => {
    if (autoOpen && ready && request) {
      dialogs.openOnce(linkKey, request);
    }
    // The request is rebuilt every render; the link and readiness say when to act.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autoOpen, ready, linkKey, dialogs]);

  const button = (
    <Button
      size={size}
      fill={fill}
      icon={icon}
      variant={action?.destructive ? 'destructive' : 'primary'}
      disabled={disabledReason !== undefined}
      onClick={() => request && dialogs.open(request)}
      aria-label={`${text} ${target}`}
      data-testid={`action-${name}`}
    >
      {text}
    </Button>
  );

  return disabledReason ? (
    <Tooltip content={disabledReason} placement="top">
      {/* A disabled button gets no pointer events: the span carries the tooltip. */}
      <span data-testid={`action-${name}-disabled`} data-reason={disabledReason} tabIndex={0}>
        {button}
      </span>
    </Tooltip>
  ) : (
    button
  );
}
