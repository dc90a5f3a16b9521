/**
 * The confirm → (preview) → run → result flow of one action on one target.
 *
 * The dialog says what will run, where, with which params and which role
 * it needs. Destructive actions need the target's name typed. Where the
 * action has a dry run, "Preview" runs it first and shows what would happen.
 * Then the job's live progress, and its result or error, with a link to it.
 * Every request carries an idempotency key made when the dialog opened, so a
 * double click or a retry after a lost answer never starts a second job.
 */
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, Input, Modal, Stack, Text, useStyles2 } from '@grafana/ui';
import type { ActionDescription, Job, JsonValue } from '../../api/exporterTypes';
import type { Permission } from '../../permissions/actionPermission';
import { factListStyle } from '../../styles/factList';
import { formatScalar } from '../ResultView';
import { JobProgress } from '../JobProgress';
import { useJobRun, type JobRun } from './useJobRun';

export interface ActionDialogProps {
  action: ActionDescription;
  target: string;
  params: Record<string, JsonValue>;
  permission: Permission;
  onDismiss: () => void;
  onFinished?: (job: Job) => void;
}

function newKey(): string {
  const random = globalThis.crypto?.randomUUID?.();
  return random ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

function RunState({ run }: { run: JobRun }) {
  if (run.stage === 'submitting') {
    return <Text color="secondary">Starting…</Text>;
  }
  if (run.stage === 'refused') {
    return (
      <Alert severity="error" title={`Not started: ${run.error.code}`} data-testid="job-refused">
        {run.error.message}
      </Alert>
    );
  }
  if (run.stage === 'running' || run.stage === 'finished') {
    return <JobProgress job={run.job} />;
  }
  if (run.stage === 'lost') {
    return (
      <>
        <JobProgress job={run.job} />
        <Alert severity="warning" title="Lost contact with the job" data-testid="job-lost">
          The exporter has not answered for a minute. The job may still be running: follow it on Jobs & audit (the job link above).
        </Alert>
      </>
    );
  }
  return null;
}

export function ActionDialog({ action, target, params, permission, onDismiss, onFinished }: ActionDialogProps) {
  const styles = useStyles2(getStyles);
  // One key for the real run, whatever the clicks; each preview is a new question (a dry run's answer ages).
  const realKey = useMemo(() => newKey(), []);
  const [typed, setTyped] = useState('');
  const preview = useJobRun();
  const real = useJobRun(onFinished);
  const route = permission.route;

  // Destructive, or raised to a higher role by its params (VACUUM FULL locks the table): typed.
  const needsTyping = action.destructive || permission.escalation !== undefined;
  const confirmed = !needsTyping || typed.trim() === target;
  const realStarted = real.run.stage !== 'idle' && real.run.stage !== 'refused';
  const busy = preview.run.stage === 'submitting' || preview.run.stage === 'running' || realStarted;
  const paramEntries = Object.entries(params);

  const start = (dryRun: boolean) => {
    if (!route) {
      return;
    }
    const runner = dryRun ? preview : real;
    void runner.start(route, { action: action.name, target, params, dryRun, idempotencyKey: dryRun ? newKey() : realKey });
  };

  return (
    <Modal title={`${action.title} on ${target}`} isOpen onDismiss={onDismiss} className={styles.modal}>
      <Stack direction="column" gap={2}>
        <Text element="p">{action.description}</Text>
        <dl className={styles.facts} data-testid="action-summary">
          <dt>Action</dt>
          <dd>{action.name}</dd>
          <dt>Target</dt>
          <dd>{target}</dd>
          {paramEntries.map(([key, value]) => (
            <React.Fragment key={key}>
              <dt>{key}</dt>
              <dd>{formatScalar(key, value)}</dd>
            </React.Fragment>
          ))}
          <dt>Needs</dt>
          <dd>
            the {permission.required} role{permission.escalation ? ` (${permission.escalation})` : ''}
          </dd>
        </dl>

        {needsTyping && !realStarted && (
          <Alert severity="warning" title={action.destructive ? 'This cannot be undone' : `Take care: ${permission.escalation}`}>
            <Field label={`Type ${target} to confirm`} noMargin>
              <Input value={typed} onChange={(e) => setTyped(e.currentTarget.value)} placeholder={target} aria-label="Confirmation" autoFocus />
            </Field>
          </Alert>
        )}

        {!permission.allowed && <Alert severity="info" title="You cannot run this here">{permission.reason}</Alert>}

        {preview.run.stage !== 'idle' && (
          <section aria-label="Dry run">
            <Text element="h6">Dry run: nothing was changed</Text>
            <RunState run={preview.run} />
          </section>
        )}

        {real.run.stage !== 'idle' && (
          <section aria-label="Run">
            <RunState run={real.run} />
          </section>
        )}
        {real.cancelError && <Alert severity="error" title="Could not cancel">{real.cancelError.message}</Alert>}
      </Stack>

      <Modal.ButtonRow>
        <Button variant="secondary" fill="outline" onClick={onDismiss}>
          {/* Once a job runs, closing leaves it running: never call that "Cancel". */}
          {real.run.stage === 'idle' && preview.run.stage === 'idle' ? 'Cancel' : 'Close'}
        </Button>
        {real.run.stage === 'running' && route && (
          <Button variant="destructive" icon="times" onClick={() => void real.cancel(route)}>
            Cancel job
          </Button>
        )}
        {action.supportsDryRun && !realStarted && (
          <Button variant="secondary" icon="eye" disabled={!permission.allowed || busy} onClick={() => start(true)}>
            Preview (dry run)
          </Button>
        )}
        {!realStarted && (
          <Button
            variant={action.destructive ? 'destructive' : 'primary'}
            icon="play"
            disabled={!permission.allowed || !confirmed || busy}
            onClick={() => start(false)}
          >
            Run {action.title.toLowerCase()}
          </Button>
        )}
      </Modal.ButtonRow>
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  modal: css({ width: 'min(720px, 95vw)' }),
  facts: factListStyle(theme, { monospace: true }),
});
