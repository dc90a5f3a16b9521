/**
 * The connection a maintenance job works on: its own, never a pooled one.
 *
 * - VACUUM and REINDEX CONCURRENTLY refuse to run inside a transaction block
 *   and must be sent alone, so they need a plain session in autocommit.
 * - It carries `application_name = upkeep-job:<id>`: a DBA sees which job a
 *   backend belongs to, and pg_sessions (which ignores the exporter's own
 *   `upkeep` sessions) counts it like any other long-running work.
 * - A short `lock_timeout` is set on the server, so maintenance never queues
 *   behind a long lock (and, queued, blocks everyone behind itself).
 * - When the job is cancelled the statement is cancelled on the server
 *   (pg_cancel_backend from the target's pool) and the session closed: the
 *   backend is gone, not left running a VACUUM nobody waits for.
 */
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import type { PostgresTarget } from '../targets/postgres.js';

/** How long a maintenance statement waits for a lock before giving up (SQLSTATE 55P03). */
export const MAINTENANCE_LOCK_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2000;

export function jobApplicationName(jobId: string): string {
  return `upkeep-job:${jobId}`;
}

export interface MaintenanceSessionOptions {
  /** Database to connect to; the target's own when absent. */
  database?: string;
  jobId: string;
  signal: AbortSignal;
  /** Server-side statement limit; none (0) by default: a VACUUM may take hours, cancellation ends it. */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}

export class MaintenanceSession {
  private closing: Promise<void> | undefined;
  private readonly onAbort = () => {
    void this.cancelAndClose();
  };

  private constructor(
    private readonly target: PostgresTarget,
    private readonly client: pg.Client,
    /** The backend's process id: progress views (pg_stat_progress_*) are keyed by it. */
    readonly pid: number,
    readonly database: string,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  static async open(target: PostgresTarget, options: MaintenanceSessionOptions): Promise<MaintenanceSession> {
    options.signal.throwIfAborted();
    const base = parseIntoClientConfig(target.config.dsn);
    const client = new pg.Client({
      ...base,
      ...(options.database !== undefined ? { database: options.database } : {}),
      application_name: jobApplicationName(options.jobId),
      statement_timeout: options.statementTimeoutMs ?? 0,
      lock_timeout: options.lockTimeoutMs ?? MAINTENANCE_LOCK_TIMEOUT_MS,
      idle_in_transaction_session_timeout: 60_000,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    // A server restart mid-job surfaces as the running query's error; this
    // listener only keeps a late socket error from crashing the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      // PostgreSQL 14+: notice a vanished client (the exporter killed) within
      // seconds and stop the statement, instead of a VACUUM FULL holding its
      // lock to the end for nobody.
      if ((target.info?.versionNum ?? 0) >= 140000) await client.query("SET client_connection_check_interval = '2s'");
      const { rows } = await client.query<{ pid: number; database: string }>('SELECT pg_backend_pid() AS pid, current_database() AS database');
      const row = rows[0];
      if (!row) throw new Error('pg_backend_pid() returned no row');
      const session = new MaintenanceSession(target, client, row.pid, row.database, options.signal);
      if (options.signal.aborted) {
        await session.close();
        options.signal.throwIfAborted();
      }
      return session;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.closing) return Promise.reject(this.signal.aborted ? abortReason(this.signal) : new Error('maintenance session is closed'));
    return this.client.query<R>(text, values);
  }

  /** Cancels the statement under way on the server, then closes the session. */
  private async cancelAndClose(): Promise<void> {
    if (this.closing) return this.closing;
    try {
      await this.target.query('SELECT pg_cancel_backend($1)', [this.pid]);
    } catch {
      // The target may be down; closing the socket below still ends the backend.
    }
    await this.close();
  }

  /** Ends the session; a second call returns the same promise, so every caller waits until the backend is gone. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.signal.removeEventListener('abort', this.onAbort);
      await Promise.race([this.client.end().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
    })();
    return this.closing;
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the job was cancelled');
}
