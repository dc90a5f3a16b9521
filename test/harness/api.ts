/** A small client for the exporter's /api/v1 in tests: JSON in, status and JSON out. */
import { FINISHED_STATUSES } from '../../exporter/src/jobs/jobRecord.js';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiCallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, instead of JSON.stringify(body). */
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function api<T = Record<string, unknown>>(baseUrl: string, method: string, path: string, options: ApiCallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined || options.body !== undefined) {
    body = options.rawBody ?? JSON.stringify(options.body);
    headers['Content-Type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the test sees the text.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export interface JobBody {
  id: string;
  status: string;
  action: string;
  target: string;
  actor: string;
  params: Record<string, unknown>;
  progress: { phase: string; percent?: number; detail?: Record<string, unknown> } | null;
  result: unknown;
  error: { code: string; message: string } | null;
}

/** Polls GET /api/v1/jobs/:id until the job has finished; returns it. */
export async function waitForJob(baseUrl: string, id: string, token?: string, timeoutMs = 30_000): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<{ job: JobBody }>(baseUrl, 'GET', `/api/v1/jobs/${id}`, token === undefined ? {} : { token });
    if ((FINISHED_STATUSES as readonly string[]).includes(body.job.status)) return body.job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${body.job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
