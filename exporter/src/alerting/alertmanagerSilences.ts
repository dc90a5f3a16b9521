/**
 * Silences a target's alerts in Alertmanager while a maintenance job runs on
 * it (a VACUUM FULL that blocks writers, a backup that saturates I/O should
 * not page anyone), through the Alertmanager v2 API. The silence matches the
 * `target` label every Upkeep series and alert carries.
 *
 * The runner calls `silence` before the work starts and `expire` when the
 * job ends, whatever its outcome; a failure here is logged by the runner and
 * never fails the job.
 */
import type { JobRecord } from '../jobs/jobRecord.js';
import type { JobSilencer } from '../jobs/silences.js';

const REQUEST_TIMEOUT_MS = 5000;
/**
 * The silence is created with an end, not open-ended: the job ending expires
 * it at once, but an exporter killed mid-job never gets to, and a silence
 * left behind would hide real alerts on that target. The bound caps that
 * harm; a job running longer than this loses its silence, not its run.
 */
export const DEFAULT_SILENCE_HOURS = 4;

export interface AlertmanagerSilencerOptions {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix such as `/alertmanager` is kept). */
  url: string;
  silenceHours?: number;
}

export class AlertmanagerSilencer implements JobSilencer {
  private readonly base: URL;
  private readonly silenceMs: number;

  constructor(options: AlertmanagerSilencerOptions) {
    // A trailing slash makes relative API paths extend a path prefix instead of replacing its last part.
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.silenceMs = (options.silenceHours ?? DEFAULT_SILENCE_HOURS) * 3_600_000;
  }

  async silence(job: JobRecord): Promise<string> {
    const now = Date.now();
    const body = {
      matchers: [{ name: 'target', value: job.target, isRegex: false, isEqual: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + this.silenceMs).toISOString(),
      createdBy: job.actor,
      comment: `Upkeep maintenance job ${job.id}: ${job.action} on ${job.target}, requested by ${job.actor}. Expired by Upkeep when the job ends.`,
    };
    const answer = await this.request('POST', 'api/v2/silences', body);
    const id = (answer as { silenceID?: unknown } | undefined)?.silenceID;
    if (typeof id !== 'string' || id === '') throw new Error(`Alertmanager at ${this.base.origin} answered the silence request without a silenceID`);
    return id;
  }

  async expire(silenceId: string): Promise<void> {
    await this.request('DELETE', `api/v2/silence/${encodeURIComponent(silenceId)}`);
  }

  private async request(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.base);
    const what = `Alertmanager ${method} ${url.pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : describeFetchError(err);
      throw new Error(`${what} failed: ${reason}`);
    }
    const text = await response.text();
    if (!response.ok) throw new Error(`${what} answered ${response.status}: ${text.trim().slice(0, 300) || response.statusText}`);
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`${what} answered ${response.status} with something that is not JSON: ${text.slice(0, 100)}`);
    }
  }
}

/** fetch's "fetch failed" hides the reason (connection refused, DNS) in `cause`. */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return err.message;
}
