import React from 'react';
import { Badge, type BadgeColor, type IconName } from '@grafana/ui';
import type { JobStatus } from '../../api/exporterTypes';

const LOOK: Record<JobStatus, { color: BadgeColor; icon: IconName }> = {
  queued: { color: 'blue', icon: 'clock-nine' },
  running: { color: 'blue', icon: 'sync' },
  succeeded: { color: 'green', icon: 'check' },
  failed: { color: 'red', icon: 'exclamation-triangle' },
  cancelled: { color: 'orange', icon: 'times' },
  interrupted: { color: 'red', icon: 'exclamation-circle' },
};

export function JobStatusBadge({ status, dryRun }: { status: JobStatus; dryRun?: boolean }) {
  const look = LOOK[status];
  return <Badge color={look.color} icon={look.icon} text={dryRun ? `${status} (dry run)` : status} />;
}
