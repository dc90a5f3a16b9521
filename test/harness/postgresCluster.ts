/**
 * Throwaway PostgreSQL clusters from the machine's own binaries: a primary
 * (initdb) and streaming standbys (pg_basebackup -R), on free 127.0.0.1
 * ports, with pg_stat_statements preloaded. No Unix sockets, so nothing
 * collides with a system server.
 */
import { appendFile, chown, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../exporter/src/freePort.js';
import { postmasterRunning } from '../../exporter/src/demo/postmaster.js';
import { runAsServerUser, unprivilegedUser } from './processes.js';

export interface ClusterOptions {
  /** Directory that holds this cluster's data and log (created). */
  directory: string;
  /** Extra postgresql.conf settings. */
  settings?: Record<string, string | number | boolean>;
}

const BASE_SETTINGS: Record<string, string | number | boolean> = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
  track_io_timing: true,
  // A test cluster needs no durability, only speed.
  fsync: false,
  synchronous_commit: false,
  wal_level: 'replica',
  max_wal_senders: 10,
  max_replication_slots: 10,
  wal_keep_size: '128MB',
  log_line_prefix: '%m [%p] %q%a ',
};

function renderSettings(settings: Record<string, string | number | boolean>): string {
  const lines = Object.entries(settings).map(([key, value]) => {
    const rendered = typeof value === 'boolean' ? (value ? 'on' : 'off') : typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`;
    return `${key} = ${rendered}`;
  });
  return `\n# upkeep test harness\n${lines.join('\n')}\n`;
}

/** A directory the PostgreSQL server user owns (servers, archive commands and pgBackRest run as that user). */
export async function makeServerOwnedDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const runAs = await unprivilegedUser();
  if (runAs) await chown(path, runAs.uid, runAs.gid);
}

export class PostgresCluster {
  readonly host = '127.0.0.1';
  readonly dataDir: string;
  readonly logFile: string;

  private constructor(
    readonly binDir: string,
    readonly directory: string,
    readonly port: number,
  ) {
    this.dataDir = join(directory, 'data');
    this.logFile = join(directory, 'server.log');
  }

  /** initdb + start: a fresh primary. */
  static async createPrimary(binDir: string, options: ClusterOptions): Promise<PostgresCluster> {
    await makeServerOwnedDirectory(options.directory);
    const cluster = new PostgresCluster(binDir, options.directory, await freePort());
    await runAsServerUser(join(binDir, 'initdb'), ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], {
      cwd: options.directory,
    });
    await appendFile(cluster.confFile, renderSettings({ ...BASE_SETTINGS, port: cluster.port, ...options.settings }));
    await cluster.start();
    return cluster;
  }

  /** pg_basebackup -R from `primary` + start: a streaming standby named `applicationName`. */
  static async createStandby(primary: PostgresCluster, applicationName: string, options: ClusterOptions): Promise<PostgresCluster> {
    await makeServerOwnedDirectory(options.directory);
    const cluster = new PostgresCluster(primary.binDir, options.directory, await freePort());
    await runAsServerUser(
      join(primary.binDir, 'pg_basebackup'),
      ['-h', primary.host, '-p', String(primary.port), '-U', 'postgres', '-D', cluster.dataDir, '-X', 'stream', '-c', 'fast', '-R', '--no-sync'],
      { cwd: options.directory },
    );
    // The copied postgresql.conf carries the primary's port; later lines win.
    await appendFile(cluster.confFile, renderSettings({ port: cluster.port, ...options.settings }));
    await appendFile(
      join(cluster.dataDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=${primary.host} port=${primary.port} user=postgres application_name=${applicationName}'\n`,
    );
    await cluster.start();
    return cluster;
  }

  private get confFile(): string {
    return join(this.dataDir, 'postgresql.conf');
  }

  dsn(database = 'postgres', user = 'postgres'): string {
    return `postgresql://${user}@${this.host}:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    await this.pgCtl(['start', '-w', '-t', '60', '-l', this.logFile]);
  }

  /** `fast` by default; `immediate` for teardown, where nothing needs to be kept. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgCtl(['stop', '-w', '-t', '60', '-m', mode]);
  }

  async isRunning(): Promise<boolean> {
    return postmasterRunning(this.dataDir);
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> {
    return queryOnce<R>(this.dsn(database), sql, params);
  }

  async serverLog(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  private async pgCtl(args: string[]): Promise<void> {
    try {
      await runAsServerUser(join(this.binDir, 'pg_ctl'), ['-D', this.dataDir, ...args], { cwd: this.directory });
    } catch (err) {
      const log = await this.serverLog();
      throw new Error(`${(err as Error).message}\n--- server log (${this.logFile}) ---\n${log.slice(-4000)}`);
    }
  }
}

/** One statement on a short-lived connection; for test setup and assertions. */
export async function queryOnce<R extends pg.QueryResultRow = pg.QueryResultRow>(dsn: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: dsn, application_name: 'upkeep-tests' });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Stops every cluster found below `root` (immediate mode) — used at teardown
 * and to clean up after a test run that was killed before its own teardown.
 */
export async function stopClustersUnder(root: string, binDir: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  await Promise.all(
    entries.map(async (entry) => {
      const dataDir = join(root, entry, 'data');
      const isDir = await stat(dataDir).then((s) => s.isDirectory(), () => false);
      if (!isDir || !(await postmasterRunning(dataDir))) return;
      await runAsServerUser(join(binDir, 'pg_ctl'), ['-D', dataDir, 'stop', '-w', '-t', '30', '-m', 'immediate'], { cwd: join(root, entry) }).catch(
        () => undefined,
      );
    }),
  );
}

export async function removeDirectory(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
