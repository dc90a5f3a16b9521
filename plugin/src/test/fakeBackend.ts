/**
 * A stand-in for Grafana's backend service in unit tests (set with
 * setBackendSrv): requests are answered by handlers registered per method
 * and path, every request is recorded, and errors look like Grafana's
 * FetchError. Only @grafana/runtime is stubbed; everything else is real.
 */
import { setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import { defer, from, type Observable } from 'rxjs';
import { PLUGIN_ID } from '../constants';

export interface RecordedRequest {
  url: string;
  method: string;
  data?: unknown;
  params?: Record<string, unknown>;
}

export type Handler = (request: RecordedRequest, match: RegExpMatchArray) => unknown;

/** An answer with an HTTP error status, as Grafana's fetch rejects with. */
export class HttpFailure {
  constructor(
    readonly status: number,
    readonly data: unknown,
    readonly statusText = 'Error',
  ) {}
}

export const proxyPath = (path: string) => `api/plugin-proxy/${PLUGIN_ID}/${path}`;

export class FakeBackend {
  readonly requests: RecordedRequest[] = [];
  private readonly handlers: Array<{ method: string; pattern: RegExp; handler: Handler }> = [];

  /** `path` is a regular expression source matched against the whole URL, or a plain plugin-proxy path. */
  on(method: string, path: string | RegExp, handler: Handler): this {
    const pattern = typeof path === 'string' ? new RegExp(`^${proxyPath(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : path;
    // Newest first: a test can override a default handler.
    this.handlers.unshift({ method, pattern, handler });
    return this;
  }

  /** Requests to a plugin-proxy path (or any URL matching a RegExp), optionally of one method. */
  requestsTo(path: string | RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => (typeof path === 'string' ? r.url === proxyPath(path) : path.test(r.url)) && (!method || r.method === method));
  }

  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return defer(() => from(this.answer<T>(options)));
  }

  private async answer<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    const request: RecordedRequest = { url: options.url, method: options.method ?? 'GET', data: options.data, params: options.params as Record<string, unknown> | undefined };
    this.requests.push(request);
    for (const { method, pattern, handler } of this.handlers) {
      const match = request.url.match(pattern);
      if (method === request.method && match) {
        const data = await handler(request, match);
        if (data instanceof HttpFailure) {
          throw { status: data.status, statusText: data.statusText, data: data.data, config: options };
        }
        return { data: data as T, status: 200, ok: true, statusText: 'OK', headers: new Headers(), redirected: false, type: 'basic', url: options.url, config: options };
      }
    }
    throw { status: 404, statusText: 'Not Found', data: { message: `no fake handler for ${request.method} ${request.url}` }, config: options };
  }

  install(): this {
    setBackendSrv({ fetch: (options: BackendSrvRequest) => this.fetch(options) } as unknown as BackendSrv);
    return this;
  }
}
