/**
 * Grafana's backend service for the harness: requests go to the same server
 * that served the page (the test's stand-in for Grafana), relative URLs
 * below `/`, errors shaped like Grafana's FetchError.
 */
import { Observable } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';

function urlOf(request: BackendSrvRequest): string {
  const url = new URL(request.url.startsWith('/') ? request.url : `/${request.url}`, window.location.origin);
  for (const [key, value] of Object.entries((request.params ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null) {
      url.searchParams.set(key, String(value));
    }
  }
  return url.toString();
}

function fetchObservable<T>(request: BackendSrvRequest): Observable<FetchResponse<T>> {
  return new Observable<FetchResponse<T>>((subscriber) => {
    const controller = new AbortController();
    const body = request.data === undefined ? undefined : JSON.stringify(request.data);
    window
      .fetch(urlOf(request), {
        method: request.method ?? 'GET',
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body,
        signal: controller.signal,
      })
      .then(async (response) => {
        const text = await response.text();
        let data: unknown = text;
        try {
          data = text === '' ? {} : JSON.parse(text);
        } catch {
          // Not JSON: the caller sees the text.
        }
        if (!response.ok) {
          subscriber.error({ status: response.status, statusText: response.statusText, data, config: request });
          return;
        }
        subscriber.next({
          data: data as T,
          status: response.status,
          statusText: response.statusText,
          ok: true,
          headers: response.headers,
          redirected: response.redirected,
          type: response.type,
          url: response.url,
          config: request,
        });
        subscriber.complete();
      })
      .catch((err: unknown) => subscriber.error({ status: 0, statusText: String(err), data: {}, config: request }));
    return () => controller.abort();
  });
}

export const harnessBackendSrv = { fetch: fetchObservable } as unknown as BackendSrv;
