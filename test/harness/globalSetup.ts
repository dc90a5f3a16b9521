/**
 * Vitest global setup: once per test run, a PostgreSQL primary with a
 * streaming standby and a Redis server, torn down at the end even when tests
 * fail. Tests reach them through `harness()` (see index.ts).
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { postgresBinDir, promtoolBinary, redisServerBinary } from './binaries.js';
import { PostgresCluster, removeDirectory } from './postgresCluster.js';
import { RedisServer } from './redisServer.js';
import { cleanStaleRunDirectories, createRunDirectory, stopAllUnder } from './runDirectory.js';
import type { HarnessInfo } from './types.js';

export const STANDBY_NAME = 'standby1';

async function waitForStreaming(primary: PostgresCluster, applicationName: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const rows = await primary.query<{ state: string }>('SELECT state FROM pg_stat_replication WHERE application_name = $1', [applicationName]);
    if (rows[0]?.state === 'streaming') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`standby ${applicationName} did not start streaming within 30 s`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const binDir = await postgresBinDir();
  const redisBinary = await redisServerBinary();
  const promtool = await promtoolBinary();
  await cleanStaleRunDirectories(binDir);
  const runDir = await createRunDirectory();

  let redis: RedisServer | undefined;
  const teardown = async () => {
    await redis?.stop();
    await stopAllUnder(runDir, binDir);
    await removeDirectory(runDir);
  };

  try {
    const primary = await PostgresCluster.createPrimary(binDir, { directory: join(runDir, 'primary') });
    await primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const standby = await PostgresCluster.createStandby(primary, STANDBY_NAME, { directory: join(runDir, 'standby') });
    await waitForStreaming(primary, STANDBY_NAME);
    redis = await RedisServer.start(redisBinary, join(runDir, 'redis'));
    const serverVersion = (await primary.query<{ v: string }>("SELECT current_setting('server_version') AS v"))[0]?.v ?? 'unknown';

    const info: HarnessInfo = {
      runDir,
      postgresBinDir: binDir,
      promtool,
      postgresVersion: serverVersion,
      primary: { port: primary.port, dsn: primary.dsn(), dataDir: primary.dataDir },
      standby: { port: standby.port, dsn: standby.dsn(), dataDir: standby.dataDir, applicationName: STANDBY_NAME },
      redis: { port: redis.port, url: redis.url },
    };
    project.provide('harness', info);
    process.stderr.write(
      `harness: PostgreSQL ${serverVersion} primary :${primary.port}, standby :${standby.port}, Redis :${redis.port} (${Date.now() - started} ms, ${runDir})\n`,
    );
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
