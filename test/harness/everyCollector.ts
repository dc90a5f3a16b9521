/**
 * An exporter with every collector on and every kind of source behind it,
 * healthy and broken, so that it produces every family it can: a scratch
 * primary (WAL archiving that has succeeded and then failed, a slot, bloat,
 * an invalid index, the heartbeat, a session idle in a transaction) with a
 * streaming standby, a Redis of its own (maxmemory, keys, a snapshot and
 * changes since), a TLS endpoint and a closed port, certificate files found and
 * missing, disks measured and missing, backup sources of each kind (one
 * broken), a state database with a schedule, and one real job run.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:tls';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { withVerification, writeDumpManifest, writeManifest, manifestPathFor } from '../../exporter/src/backups/manifest.js';
import { freePort } from '../../exporter/src/freePort.js';
import { api, waitForJob, type JobBody } from './api.js';
import { redisServerBinary } from './binaries.js';
import { createCertificateAuthority, issueServerCertificate } from './certificates.js';
import { REPO_ROOT } from './cli.js';
import { createScratchPrimary, eventually, PostgresCluster, queryOnce, startTestExporter, temporaryDirectory, type TestExporter } from './index.js';
import { removeDirectory } from './postgresCluster.js';
import { RedisServer } from './redisServer.js';

export interface EveryCollector {
  exporter: TestExporter;
  /** Runs a job through the API as admin and waits until it succeeded. */
  runJob(request: { action: string; target: string; params: Record<string, unknown> }): Promise<JobBody>;
  close(): Promise<void>;
}

const TOKEN = 'contract-admin-token-0123456789';

async function prepareDatabase(primary: PostgresCluster): Promise<void> {
  await primary.query('CREATE DATABASE shop');
  await primary.query('CREATE DATABASE upkeep_state');
  await primary.query(`SELECT pg_create_physical_replication_slot('idle_slot', true)`);
  const shop = primary.dsn('shop');
  const sql = (text: string) => queryOnce(shop, text);
  await sql(`CREATE TABLE orders (id int PRIMARY KEY, customer int, note text) WITH (autovacuum_enabled = off)`);
  await sql(`INSERT INTO orders SELECT i, i % 100, repeat('n', 80) FROM generate_series(1, 20000) i`);
  await sql('CREATE INDEX orders_customer ON orders (customer)');
  await sql('VACUUM orders');
  // More than 10 000 dead rows in a vacuumed table: VacuumStale's value has a series.
  await sql('DELETE FROM orders WHERE id > 5000');
  await sql(`CREATE TABLE tags (id int, tag text)`);
  await sql(`INSERT INTO tags SELECT i % 10, 'tag' FROM generate_series(1, 50) i`);
  // A failed CREATE INDEX CONCURRENTLY leaves an invalid index behind.
  await sql('CREATE UNIQUE INDEX CONCURRENTLY tags_id_unique ON tags (id)').catch(() => undefined);
  await sql('ANALYZE');
}

/** One archived WAL file, then the archive command fails from the next one on. */
async function archiveThenFail(primary: PostgresCluster, failFlag: string): Promise<void> {
  const switchWal = async () => {
    await primary.query('CREATE TABLE IF NOT EXISTS archive_probe (n int)');
    await primary.query('INSERT INTO archive_probe SELECT generate_series(1, 100)');
    await primary.query('SELECT pg_switch_wal()');
  };
  await switchWal();
  await eventually(async () => (await primary.query<{ n: string }>('SELECT archived_count AS n FROM pg_stat_archiver'))[0]?.n !== '0', 'a WAL file archived');
  await writeFile(failFlag, 'archiving fails from now on\n');
  await switchWal();
  await eventually(async () => (await primary.query<{ n: string }>('SELECT failed_count AS n FROM pg_stat_archiver'))[0]?.n !== '0', 'an archive attempt failed');
}

/** A client session that opened a transaction and sits in it. */
async function idleInTransaction(dsn: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: dsn, application_name: 'every-collector-client' });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1');
  return client;
}

/** A Redis with maxmemory, keys (one with a TTL), a finished BGSAVE and a change since. */
async function redisWithData(): Promise<{ server: RedisServer; client: Redis }> {
  const server = await RedisServer.start(await redisServerBinary(), await temporaryDirectory('every-collector-redis-'), ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
  const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  await client.set('upkeep:contract', 'kept');
  await client.bgsave();
  await eventually(async () => (await client.info('persistence')).includes('rdb_bgsave_in_progress:0') && (await client.lastsave()) > 0, 'the BGSAVE to finish');
  await client.set('upkeep:contract:session', 'expires', 'EX', 600);
  return { server, client };
}

async function dumpDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  const dump = join(path, 'main-postgres-20250101T020000Z.dump');
  await writeFile(dump, 'not really a dump, but the manifest says what it is\n');
  const manifest = await writeDumpManifest(dump, {
    startedAt: new Date(Date.now() - 3_600_000),
    finishedAt: new Date(Date.now() - 3_500_000),
    target: 'main',
    database: 'postgres',
    dumpFormat: 'plain',
    pgDumpVersion: 'pg_dump (PostgreSQL) 15',
    serverVersion: '15',
  });
  await writeManifest(manifestPathFor(dump), withVerification(manifest, { verifiedAt: new Date().toISOString(), ok: true, method: 'sha256' }));
  // A file without a manifest: shown as rejected, never counted.
  await writeFile(join(path, 'stray.dump'), 'no manifest\n');
}

/** A pgBackRest stand-in that prints a recorded `info` with a backup running (test/fixtures/backups). */
async function pgbackrestStandin(work: string): Promise<string> {
  const path = join(work, 'pgbackrest-info.sh');
  const fixture = join(REPO_ROOT, 'test/fixtures/backups/pgbackrest/info-incr-error-backup-running.json');
  await writeFile(path, `#!/bin/sh\ncat '${fixture}'\n`);
  await chmod(path, 0o755);
  return path;
}

async function tlsEndpoint(work: string): Promise<{ server: Server; port: number; certFile: string }> {
  const ca = await createCertificateAuthority(work, { name: 'contract-ca', commonName: 'Upkeep contract CA', days: 30 });
  const leaf = await issueServerCertificate(work, ca, { name: 'contract-leaf', commonName: 'localhost', days: 10, altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
  const server = createServer({ cert: `${leaf.pem}${ca.pem}`, key: leaf.keyPem });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port, certFile: leaf.certFile };
}

export async function startEveryCollector(): Promise<EveryCollector> {
  const work = await temporaryDirectory('every-collector-');
  const archive = await temporaryDirectory('every-collector-archive-', true);
  const failFlag = join(archive, 'fail');
  const primary = await createScratchPrimary('every-collector', {
    archive_mode: 'on',
    archive_command: `test ! -e '${failFlag}' && cp %p '${archive}/%f'`,
    // With a limit, slots report the WAL they may still retain.
    max_slot_wal_keep_size: '1GB',
  });
  // Its own directory: the server user must be able to reach it.
  const standbyDir = await temporaryDirectory('every-collector-standby-');
  const cleanups: (() => Promise<unknown>)[] = [() => primary.destroy()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    await primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await prepareDatabase(primary);
    const standby = await PostgresCluster.createStandby(primary, 'every-collector-standby', { directory: standbyDir });
    cleanups.push(async () => {
      if (await standby.isRunning()) await standby.stop('immediate');
      await removeDirectory(standbyDir);
    });
    await archiveThenFail(primary, failFlag);
    const session = await idleInTransaction(primary.dsn('shop'));
    cleanups.push(() => session.end());
    const redis = await redisWithData();
    cleanups.push(async () => {
      redis.client.disconnect();
      await redis.server.stop();
    });
    const dumps = join(work, 'dumps');
    await dumpDirectory(dumps);
    const tls = await tlsEndpoint(work);
    cleanups.push(() => new Promise((resolve) => tls.server.close(resolve)));
    const tokenFile = join(work, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`);
    const heartbeat = { table: 'public.upkeep_heartbeat', intervalSeconds: 1 };
    const exporter = await startTestExporter({
      postgres: [
        { name: 'main', dsn: primary.dsn(), heartbeat, tables: { minSizeBytes: 0 }, statements: { queryText: true } },
        { name: 'replica', dsn: standby.dsn(), heartbeat },
      ],
      redis: [{ name: 'cache', url: redis.server.url }],
      backups: [
        { name: 'dumps', target: 'main', kind: 'dump-dir', path: dumps },
        { name: 'repo1', target: 'main', kind: 'pgbackrest', stanza: 'exp', command: await pgbackrestStandin(work) },
        { name: 'walg', target: 'main', kind: 'walg', command: join(REPO_ROOT, 'test/fixtures/backups/standins/walg.sh') },
        { name: 'broken', target: 'main', kind: 'walg', command: join(work, 'no-such-wal-g') },
      ],
      certificates: {
        endpoints: [
          { name: 'web', host: '127.0.0.1', port: tls.port, servername: 'localhost' },
          { name: 'gone', host: '127.0.0.1', port: await freePort() },
        ],
        files: [{ name: 'files', paths: [tls.certFile, join(work, 'missing.pem')] }],
      },
      disks: [
        { name: 'work', path: work },
        { name: 'missing', path: join(work, 'no-such-directory') },
      ],
      state: { dsn: primary.dsn('upkeep_state') },
      auth: { tokens: [{ name: 'contract', tokenFile, role: 'admin' }] },
      schedules: [{ name: 'yearly-analyze', action: 'analyze', target: 'main', cron: '0 3 1 1 *' }],
    });
    cleanups.push(() => exporter.close());
    await exporter.firstScheduledRuns;
    const runJob = async (request: { action: string; target: string; params: Record<string, unknown> }) => {
      const submitted = await api<{ job: JobBody }>(exporter.url, 'POST', '/api/v1/jobs', { token: TOKEN, body: request });
      const job = await waitForJob(exporter.url, submitted.body.job.id, TOKEN);
      if (job.status !== 'succeeded') throw new Error(`the ${request.action} job ended ${job.status}: ${JSON.stringify(job.error)}`);
      return job;
    };
    // A real job: run counters, a duration, a last success, and the bloat figures refreshed after it.
    await runJob({ action: 'analyze', target: 'main', params: { database: 'shop', table: 'public.orders' } });
    await eventually(async () => {
      const { metrics } = await exporter.scrape();
      return metrics.has('upkeep_pg_heartbeat_timestamp_seconds', { target: 'replica' }) && metrics.has('upkeep_schedule_last_run_timestamp_seconds');
    }, 'the heartbeat on the standby and the schedule series', 45_000);
    return { exporter, runJob, close };
  } catch (err) {
    await close();
    throw err;
  }
}
