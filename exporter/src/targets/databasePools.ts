/**
 * Connections to the other databases of a PostgreSQL server. Per-table
 * statistics (pg_stat_user_tables, pg_statio_*, the catalogs the bloat
 * estimate reads) only describe the database a session is connected to, so
 * covering a whole instance means one connection per database.
 *
 * Each database gets a pool of one connection that closes one second after
 * its last use: an idle exporter session must never make an SRE's
 * `DROP DATABASE` fail with "being accessed by other users" (the server waits
 * only 5 s for other sessions). The price is a new connection per database
 * per run of a collector that visits them. A limiter shared by all of them keeps the number of those
 * connections open at once within the target's `maxConnections`.
 */
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import type { Logger } from '../log.js';
import { Limiter } from '../limiter.js';
import { withTimeout } from '../timeout.js';

const IDLE_MS = 1000;
const CLOSE_TIMEOUT_MS = 2000;

export class DatabasePools {
  private readonly pools = new Map<string, pg.Pool>();
  private readonly limiter: Limiter;
  private readonly base: pg.ClientConfig;
  private closed = false;

  constructor(
    private readonly targetName: string,
    dsn: string,
    sessionSettings: pg.ClientConfig,
    maxBusy: number,
    private readonly log: Logger,
  ) {
    // The connection string wins over explicit fields in pg, so it is parsed
    // here and the database replaced, instead of passing both.
    this.base = { ...parseIntoClientConfig(dsn), ...sessionSettings };
    this.limiter = new Limiter(maxBusy);
  }

  query<R extends pg.QueryResultRow>(database: string, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.limiter.run(() => {
      // A run that outlived shutdown must not open new connections.
      if (this.closed) return Promise.reject(new Error(`target ${this.targetName} is closed`));
      return this.poolFor(database).query<R>(text, values);
    });
  }

  private poolFor(database: string): pg.Pool {
    let pool = this.pools.get(database);
    if (!pool) {
      pool = new pg.Pool({ ...this.base, database, max: 1, idleTimeoutMillis: IDLE_MS });
      const created = pool;
      created.on('error', (error) => this.log.warn('postgres.connection_lost', { target: this.targetName, database, error }));
      // Forget the pool once its connection has closed, so dropped databases leave nothing behind.
      created.on('remove', () => {
        if (created.totalCount === 0 && created.waitingCount === 0 && this.pools.get(database) === created) this.pools.delete(database);
      });
      this.pools.set(database, created);
    }
    return pool;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await withTimeout(Promise.allSettled(pools.map((p) => p.end())), CLOSE_TIMEOUT_MS).catch((error: unknown) =>
      this.log.warn('postgres.close_slow', { target: this.targetName, error }),
    );
  }
}
