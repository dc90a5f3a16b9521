/** Cancel a running job: allowed to whoever could have started it (the exporter checks the same). */
import React, { useState } from 'react';
import { Button, ConfirmModal, Tooltip } from '@grafana/ui';
import { exporterClient } from '../../api/exporterClient';
import type { Job } from '../../api/exporterTypes';
import { errorText } from '../../api/requestErrors';
import { actionPermission } from '../../permissions/actionPermission';
import { useUpkeepSession } from '../../session/UpkeepSession';

export function CancelJobButton({ job, onCancelled }: { job: Job; onCancelled: () => void }) {
  const session = useUpkeepSession();
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const action = session.action(job.action);
  const permission = action
    ? actionPermission({
        action,
        params: job.params,
        grafanaRole: session.grafanaRole,
        whoami: session.whoami,
        whoamiProblem: session.problem,
        configured: session.configured,
      })
    : undefined;
  if (job.status !== 'running' && job.status !== 'queued') {
    return null;
  }
  const reason = problem ?? (permission ? permission.reason : `The exporter has no action ${job.action} any more.`);
  const button = (
    <Button
      size="sm"
      variant="destructive"
      icon="times"
      disabled={!permission?.allowed}
      onClick={() => setConfirming(true)}
    >
      {job.cancelRequestedAt ? 'Cancelling…' : 'Cancel'}
    </Button>
  );
  return (
    <>
      {reason ? (
        <Tooltip content={reason}>
          <span>{button}</span>
        </Tooltip>
      ) : (
        button
      )}
      <ConfirmModal
        isOpen={confirming}
        title={`Cancel ${job.action} on ${job.target}?`}
        body={`The job's statement is cancelled on the server and its connection closed; the job ends as cancelled.`}
        confirmText="Cancel the job"
        dismissText="Keep it running"
        onDismiss={() => setConfirming(false)}
        onConfirm={async () => {
          setConfirming(false);
          if (!permission?.route) {
            return;
          }
          try {
            await exporterClient.cancelJob(permission.route, job.id);
            setProblem(undefined);
            onCancelled();
          } catch (err) {
            setProblem(errorText(err));
          }
        }}
      />
    </>
  );
}
