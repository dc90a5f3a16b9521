/** The exporter's API answers, as the app reads them (see the exporter's /api/v1/openapi.json). */

export type ExporterRole = 'viewer' | 'operator' | 'admin';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JobProgress {
  phase: string;
  percent?: number;
  detail?: Record<string, JsonValue>;
}

export interface Job {
  id: string;
  action: string;
  target: string;
  scope: string;
  params: Record<string, JsonValue>;
  dryRun: boolean;
  status: JobStatus;
  progress: JobProgress | null;
  actor: string;
  tokenName: string | null;
  origin: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequestedAt: string | null;
  cancelRequestedBy: string | null;
  result: JsonValue;
  error: { code: string; message: string } | null;
}

export interface RoleEscalation {
  role: ExporterRole;
  reason: string;
  whenEqual?: Record<string, string | number | boolean>;
  whenAbsent?: string[];
}

export interface JsonSchemaProperty {
  type?: string | string[];
  description?: string;
  default?: JsonValue;
  minimum?: number;
  maximum?: number;
  enum?: JsonValue[];
}

export interface ActionDescription {
  name: string;
  title: string;
  description: string;
  targetKind: string;
  role: ExporterRole;
  roleEscalations: RoleEscalation[];
  destructive: boolean;
  supportsDryRun: boolean;
  refreshes: string[];
  paramsSchema: { properties?: Record<string, JsonSchemaProperty>; required?: string[] };
}

export interface ActionCatalog {
  readOnly: boolean;
  actions: ActionDescription[];
}

export interface Whoami {
  actor: string;
  tokenName: string | null;
  /** The role this request was granted (the route's limit applied). */
  role: ExporterRole;
  /** The token's own role: the most any Grafana user can get. */
  tokenRole?: ExporterRole;
  origin: string;
  readOnly: boolean;
}

export interface ExporterTarget {
  kind: string;
  name: string;
  serverVersion?: string;
  role?: string;
  actions: string[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  tokenName: string | null;
  origin: string;
  event: string;
  outcome: string;
  action: string | null;
  target: string | null;
  params: JsonValue;
  jobId: string | null;
  statusCode: number | null;
  detail: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListedSession {
  pid: number;
  database: string | null;
  user: string | null;
  applicationName: string | null;
  clientAddr: string | null;
  state: string | null;
  queryStart: string | null;
  queryAgeSeconds: number | null;
  transactionAgeSeconds: number | null;
  stateAgeSeconds: number | null;
  waitEventType: string | null;
  waitEvent: string | null;
  blockedBy: number[];
  upkeepJobId: string | null;
  query: string | null;
}

export interface SessionListing {
  sessions: ListedSession[];
  queryTextShown: boolean;
  truncated: boolean;
}

export interface ListedDump {
  file: string;
  database: string;
  sizeBytes: number;
  dumpFormat: string;
  startedAt: string;
  finishedAt: string;
  serverVersion: string;
  sha256: string;
  lastVerification: { verifiedAt: string; ok: boolean; method?: string; detail?: string } | null;
  counted: boolean;
  problem: { reason: string; message: string } | null;
}

export interface DumpListing {
  source: { name: string; path: string };
  dumps: ListedDump[];
  orphanManifests: Array<{ file: string; finishedAt: string }>;
  ignored: Record<string, number>;
}

export interface ReadinessTarget {
  kind: string;
  name: string;
  up: boolean;
  latencyMs?: number;
  error?: string;
}

export interface Readiness {
  status: string;
  targets: ReadinessTarget[];
  api?: { readOnly: boolean; readOnlyReason?: string; jobs?: { state: string; error?: string } };
}

export interface JobRequest {
  action: string;
  target: string;
  params: Record<string, JsonValue>;
  dryRun: boolean;
  idempotencyKey: string;
}
