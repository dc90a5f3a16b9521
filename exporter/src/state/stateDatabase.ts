/**
 * The state database: where jobs and the audit log live (schema `upkeep`),
 * shared by every exporter replica, so nothing is lost on restart.
 *
 * Statements go through a small pool with server-side timeouts. Advisory
 * locks are session-level and belong to one connection, so code that holds
 * one (a job's scope, a replica's presence) gets a dedicated client.
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import { withTimeout } from '../timeout.js';
import { migrate } from './migrations.js';

/** Shows in pg_stat_activity like the exporter's other sessions (pg_sessions skips them). */
const APPLICATION_NAME = 'upkeep';
const STATEMENT_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5000;
const CLOSE_TIMEOUT_MS = 2000;

export class StateDatabase {
  private readonly pool: pg.Pool;
  private readonly settings: pg.ClientConfig;

  constructor(
    dsn: string,
    private readonly log: Logger,
  ) {
    this.settings = {
      connectionString: dsn,
      application_name: APPLICATION_NAME,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      lock_timeout: STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: 60_000,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    };
    this.pool = new pg.Pool({ ...this.settings, max: 4, idleTimeoutMillis: 30_000 });
    this.pool.on('error', (error) => this.log.warn('state.connection_lost', { error }));
  }

  /** Creates or upgrades the schema; throws (the exporter does not start) if it cannot. */
  async migrate(): Promise<number[]> {
    const client = await this.pool.connect();
    try {
      return await migrate(client);
    } finally {
      client.release();
    }
  }

  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /** Runs `work` in one transaction on one pooled connection: all of it happens, or none. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** A connection of its own, for session-level advisory locks; `end()` it when done (that releases the locks). */
  async dedicatedClient(): Promise<pg.Client> {
    const client = new pg.Client(this.settings);
    // Without a listener a dropped connection would crash the process; the lock holder notices on its next query.
    client.on('error', (error) => this.log.warn('state.connection_lost', { error }));
    await client.connect();
    return client;
  }

  async close(): Promise<void> {
    await withTimeout(this.pool.end(), CLOSE_TIMEOUT_MS).catch((error: unknown) => this.log.warn('state.close_slow', { error }));
  }
}
