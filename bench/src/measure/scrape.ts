/**
 * One GET of /metrics, timed from sending the request to the last byte of
 * the body, over a keep-alive connection as Prometheus keeps one. Never
 * throws: a timeout or a refused connection is an outcome to count.
 */
import { Agent, request } from 'node:http';

/** Prometheus 2.x's default Accept header: OpenMetrics preferred, the text format accepted. */
export const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Prometheus' default scrape_timeout; sent as X-Prometheus-Scrape-Timeout-Seconds and used as the client timeout. */
export const SCRAPE_TIMEOUT_SECONDS = 10;

export type ScrapeOutcome = 'ok' | 'status' | 'timeout' | 'connection';

export interface ScrapeResult {
  outcome: ScrapeOutcome;
  status: number;
  ms: number;
  body: string;
  error?: string;
}

export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: Infinity });
}

export function scrape(url: string, agent: Agent, timeoutSeconds = SCRAPE_TIMEOUT_SECONDS): Promise<ScrapeResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<ScrapeResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, ms: elapsed() });
    };
    const req = request(
      url,
      { agent, headers: { Accept: PROMETHEUS_ACCEPT, 'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutSeconds) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish({ outcome: status === 200 ? 'ok' : 'status', status, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => finish({ outcome: 'connection', status: res.statusCode ?? 0, body: '', error: err.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ outcome: 'timeout', status: 0, body: '', error: `no complete answer within ${timeoutSeconds} s` });
      req.destroy();
    }, timeoutSeconds * 1000);
    req.on('error', (err) => finish({ outcome: 'connection', status: 0, body: '', error: err.message }));
    req.end();
  });
}
