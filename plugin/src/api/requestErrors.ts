/**
 * One readable error for every way a request can fail: the exporter's JSON
 * error (`{error: {code, message, details}}`), Grafana's proxy refusing or
 * failing (a route the user's role may not use, the exporter unreachable),
 * or the network. What the UI shows comes from here only.
 */

export class RequestError extends Error {
  constructor(
    /** HTTP status; 0 when no answer arrived. */
    readonly status: number,
    /** The exporter's error code, or one of ours: `proxy_denied`, `exporter_unreachable`, `not_configured`, `network`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

interface FetchErrorLike {
  status?: number;
  statusText?: string;
  data?: unknown;
  message?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object';

/** Turns what getBackendSrv().fetch rejected with into a RequestError. */
export function toRequestError(err: unknown, what: string): RequestError {
  if (err instanceof RequestError) {
    return err;
  }
  const e: FetchErrorLike = isObject(err) ? (err as FetchErrorLike) : { message: String(err) };
  const status = typeof e.status === 'number' ? e.status : 0;
  const data = e.data;

  if (isObject(data) && isObject(data.error) && typeof data.error.message === 'string') {
    const code = typeof data.error.code === 'string' ? data.error.code : 'error';
    return new RequestError(status, code, data.error.message, data.error.details);
  }
  const grafanaMessage = isObject(data) && typeof data.message === 'string' ? data.message : undefined;
  if (status === 403 && grafanaMessage?.includes('plugin proxy route access denied')) {
    return new RequestError(403, 'proxy_denied', `Your Grafana role may not ${what}.`);
  }
  if (status === 404 && grafanaMessage?.includes('plugin route match not found')) {
    return new RequestError(404, 'no_route', `The app has no proxy route for this request (${what}); is the installed plugin older than this page?`);
  }
  if (status === 502 || status === 504) {
    return new RequestError(
      status,
      'exporter_unreachable',
      `Grafana could not reach the exporter to ${what}: check the exporter URL in the app configuration and that the exporter runs. ${grafanaMessage ?? e.statusText ?? ''}`.trim(),
    );
  }
  if (status === 0) {
    return new RequestError(0, 'network', `No answer while trying to ${what}: ${e.message ?? 'network error'}.`);
  }
  const text = grafanaMessage ?? (typeof data === 'string' && data.trim() !== '' ? data.slice(0, 300) : e.statusText ?? e.message ?? 'request failed');
  return new RequestError(status, 'error', `Could not ${what}: ${text} (HTTP ${status}).`);
}

/** A message for any error, for the places that show one. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  return String(err);
}
