/** A job as the API shows it, and who asked for it. */
import type { JobProgress, Json, Role } from '../actions/types.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** Who is asking: a person behind Grafana, a token, the CLI's OS user or a schedule. */
export interface Caller {
  /** Recorded in the audit log: the Grafana user when the plugin proxy names one, else the token's name. */
  actor: string;
  /** The API token used, if any. */
  tokenName: string | undefined;
  role: Role;
  /** The token's own role, before X-Upkeep-Role-Limit lowered it (what the token could do for another caller). */
  tokenRole?: Role;
  /** `api`, `cli` or `schedule:<name>`. */
  origin: string;
}

export interface JobError {
  code: string;
  message: string;
}

export interface JobRecord {
  id: string;
  action: string;
  target: string;
  scope: string;
  params: Json;
  dryRun: boolean;
  status: JobStatus;
  progress: JobProgress | null;
  actor: string;
  tokenName: string | null;
  origin: string;
  idempotencyKey: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequestedAt: string | null;
  cancelRequestedBy: string | null;
  result: Json;
  error: JobError | null;
}

export interface JobRow {
  id: string;
  action: string;
  target: string;
  scope: string;
  params: Json;
  dry_run: boolean;
  status: JobStatus;
  progress: JobProgress | null;
  actor: string;
  token_name: string | null;
  origin: string;
  idempotency_key: string | null;
  instance_id: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  cancel_requested_at: Date | null;
  cancel_requested_by: string | null;
  result: Json;
  error: JobError | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function jobFromRow(row: JobRow): JobRecord {
  return {
    id: row.id,
    action: row.action,
    target: row.target,
    scope: row.scope,
    params: row.params,
    dryRun: row.dry_run,
    status: row.status,
    progress: row.progress,
    actor: row.actor,
    tokenName: row.token_name,
    origin: row.origin,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    cancelRequestedAt: iso(row.cancel_requested_at),
    cancelRequestedBy: row.cancel_requested_by,
    result: row.result,
    error: row.error,
  };
}
