/**
 * A monitored PostgreSQL server: one small connection pool, server-side
 * timeouts on every connection, and what the server is (version, primary or
 * standby), refreshed by the probe at the start of every scrape.
 */
import pg from 'pg';
import type { PostgresTargetConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { gauge, type SampleSet } from '../metrics/family.js';
import { withTimeout } from '../timeout.js';
import { DatabasePools } from './databasePools.js';
import { HeartbeatWriter } from './heartbeat.js';
import type { Target } from './target.js';

const CLOSE_TIMEOUT_MS = 2000;

export const postgresInfo = gauge(
  'upkeep_postgres_info',
  'PostgreSQL server of the target as of this scrape: version and role (primary or standby); the value is always 1.',
  ['target', 'server_version', 'role'],
);

/** Shows up in pg_stat_activity so a DBA can tell (and filter) the exporter's own sessions. */
export const APPLICATION_NAME = 'upkeep';

export type PostgresRole = 'primary' | 'standby';

/** At least 1 ms: pg treats 0 as "no timeout", which would switch the safety off. */
function milliseconds(seconds: number): number {
  return Math.max(1, Math.round(seconds * 1000));
}

export interface PostgresServerInfo {
  /** `server_version_num`, e.g. 150004: collectors branch on it for version differences. */
  versionNum: number;
  version: string;
  role: PostgresRole;
  /** The database the target's DSN connects to. */
  database: string;
}

export class PostgresTarget implements Target {
  readonly kind = 'postgres' as const;
  readonly name: string;
  private readonly pool: pg.Pool;
  private readonly otherDatabases: DatabasePools;
  private readonly heartbeat: HeartbeatWriter | undefined;
  private serverInfo: PostgresServerInfo | undefined;

  constructor(
    readonly config: PostgresTargetConfig,
    private readonly log: Logger,
  ) {
    this.name = config.name;
    const session: pg.ClientConfig = {
      application_name: APPLICATION_NAME,
      // Sent as startup parameters, so the server enforces them even if this
      // process stalls; a client-side timeout alone would leave the query running.
      statement_timeout: milliseconds(config.statementTimeoutSeconds),
      lock_timeout: milliseconds(config.lockTimeoutSeconds),
      idle_in_transaction_session_timeout: 60_000,
      connectionTimeoutMillis: milliseconds(config.connectTimeoutSeconds),
      keepAlive: true,
    };
    this.pool = new pg.Pool({ connectionString: config.dsn, ...session, max: config.maxConnections, idleTimeoutMillis: 60_000 });
    this.otherDatabases = new DatabasePools(config.name, config.dsn, session, config.maxConnections, log);
    this.heartbeat = config.heartbeat ? new HeartbeatWriter(this, config.heartbeat, log) : undefined;
    // An idle pooled connection dies when the server restarts. Without a
    // listener that error would crash the process; the next query reconnects.
    this.pool.on('error', (err) => {
      this.log.warn('postgres.connection_lost', { target: this.name, error: err });
    });
  }

  /** The server as of the last successful probe; undefined before one succeeded. */
  get info(): PostgresServerInfo | undefined {
    return this.serverInfo;
  }

  /** The server's facts, probing first when none is known yet (a scheduled run at start-up comes before any scrape). */
  async knownInfo(): Promise<PostgresServerInfo> {
    if (!this.serverInfo) await this.probe();
    if (!this.serverInfo) throw new Error('probe gave no server facts');
    return this.serverInfo;
  }

  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /**
   * A statement in another database of the same server (or in the target's
   * own, through the main pool). At most `maxConnections` of these run at once.
   */
  queryDatabase<R extends pg.QueryResultRow>(database: string, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (database === this.serverInfo?.database) return this.query<R>(text, values);
    return this.otherDatabases.query<R>(database, text, values);
  }

  async probe(): Promise<void> {
    const { rows } = await this.query<{ version_num: number; version: string; in_recovery: boolean; database: string }>(
      `SELECT current_setting('server_version_num')::int AS version_num,
              current_setting('server_version') AS version,
              pg_is_in_recovery() AS in_recovery,
              current_database() AS database`,
    );
    const row = rows[0];
    if (!row) throw new Error('probe query returned no row');
    this.serverInfo = { versionNum: row.version_num, version: row.version, role: row.in_recovery ? 'standby' : 'primary', database: row.database };
  }

  emitInfo(samples: SampleSet): void {
    if (!this.serverInfo) return;
    samples.add(postgresInfo, { target: this.name, server_version: this.serverInfo.version, role: this.serverInfo.role }, 1);
  }

  describe(): Record<string, unknown> {
    return this.serverInfo ? { serverVersion: this.serverInfo.version, role: this.serverInfo.role } : {};
  }

  /** Starts the background work of the target: the replication heartbeat, when configured. */
  start(): void {
    this.heartbeat?.start();
  }

  async close(): Promise<void> {
    this.heartbeat?.stop();
    // end() waits for every client, including a connection attempt to a
    // server that never answers (up to connectTimeoutSeconds): do not let
    // that hold up shutdown.
    await Promise.all([
      withTimeout(this.pool.end(), CLOSE_TIMEOUT_MS).catch((error: unknown) => this.log.warn('postgres.close_slow', { target: this.name, error })),
      this.otherDatabases.close(),
    ]);
  }
}
