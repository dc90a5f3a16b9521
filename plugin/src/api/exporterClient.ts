/**
 * The typed client of the exporter's API, through Grafana's plugin proxy.
 * One method per endpoint; URLs come from EXPORTER_CALLS only. Requests that
 * change something go to the route of the user's Grafana role (Editor:
 * operator, Admin: admin), which is how the exporter learns that role.
 */
import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { PLUGIN_ID } from '../constants';
import { EXPORTER_CALLS, fillPath, type ExporterCallName } from './exporterCalls';
import type {
  ActionCatalog,
  AuditEntry,
  DumpListing,
  ExporterTarget,
  Job,
  JobRequest,
  JobStatus,
  Page,
  Readiness,
  SessionListing,
  Whoami,
} from './exporterTypes';
import { toRequestError } from './requestErrors';

/** Which write route a request goes through: the user's own Grafana role decides. */
export type WriteRoute = 'operator' | 'admin';

type Query = Record<string, string | number | undefined>;

function cleanQuery(query: Query | undefined): Record<string, string | number> | undefined {
  if (!query) {
    return undefined;
  }
  const entries = Object.entries(query).filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

async function call<T>(name: ExporterCallName, what: string, options: { path?: Record<string, string>; query?: Query; body?: unknown } = {}): Promise<T> {
  const spec = EXPORTER_CALLS[name];
  const url = `api/plugin-proxy/${PLUGIN_ID}/${fillPath(spec.path, options.path)}`;
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url,
        method: spec.method,
        params: cleanQuery(options.query),
        data: options.body,
        // The app shows its own errors where they happened; no global toasts.
        showErrorAlert: false,
        showSuccessAlert: false,
      }),
    );
    return response.data;
  } catch (err) {
    throw toRequestError(err, what);
  }
}

export interface JobFilters {
  status?: JobStatus;
  action?: string;
  target?: string;
  limit?: number;
  cursor?: string;
}

export interface AuditFilters {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  limit?: number;
  cursor?: string;
}

export const exporterClient = {
  readiness: () => call<Readiness>('readiness', 'check the exporter'),
  whoami: () => call<Whoami>('whoami', 'ask the exporter who Grafana is'),
  targets: async () => (await call<{ targets: ExporterTarget[] }>('targets', 'list the targets')).targets,
  actions: () => call<ActionCatalog>('actions', 'read the action catalog'),
  /** Operators (Grafana Editors and Admins) also get the sessions' query text, where the exporter shows it. */
  sessions: (target: string, minAgeSeconds: number, route: WriteRoute | undefined) =>
    call<SessionListing>(route ? 'sessionsAsOperator' : 'sessions', `list the sessions of ${target}`, {
      path: { name: target },
      query: { minAgeSeconds, limit: 100 },
    }),
  backups: (target: string) => call<DumpListing>('backups', `list the backups of ${target}`, { path: { name: target } }),
  jobs: async (filters: JobFilters = {}): Promise<Page<Job>> => {
    const page = await call<{ jobs: Job[]; nextCursor: string | null }>('jobs', 'list jobs', { query: { ...filters } });
    return { items: page.jobs, nextCursor: page.nextCursor };
  },
  job: async (id: string) => (await call<{ job: Job }>('job', 'read the job', { path: { id } })).job,
  audit: async (filters: AuditFilters = {}): Promise<Page<AuditEntry>> => {
    const page = await call<{ entries: AuditEntry[]; nextCursor: string | null }>('audit', 'read the audit log', { query: { ...filters } });
    return { items: page.entries, nextCursor: page.nextCursor };
  },
  submitJob: async (route: WriteRoute, request: JobRequest) =>
    (await call<{ job: Job; created: boolean }>(route === 'admin' ? 'submitAsAdmin' : 'submitAsOperator', `start ${request.action}`, { body: request })).job,
  cancelJob: async (route: WriteRoute, id: string) =>
    (await call<{ job: Job }>(route === 'admin' ? 'cancelAsAdmin' : 'cancelAsOperator', 'cancel the job', { path: { id }, body: {} })).job,
};

export type ExporterClient = typeof exporterClient;
