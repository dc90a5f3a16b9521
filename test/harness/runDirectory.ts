/**
 * One temporary directory per test run holds every server the run starts.
 * Its name carries the pid of the run, so a later run can tell that a run
 * died without its teardown and stop what it left behind.
 */
import { chmod, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDirectory, stopClustersUnder } from './postgresCluster.js';
import { isAlive } from './processes.js';
import { killStaleRedis } from './redisServer.js';

const PREFIX = 'upkeep-test-';

export async function createRunDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
  // The unprivileged server user must be able to reach its data directories inside.
  await chmod(dir, 0o755);
  return dir;
}

/** Stops the servers of earlier runs whose process is gone, and removes their directories. */
export async function cleanStaleRunDirectories(postgresBinDir: string): Promise<void> {
  const entries = await readdir(tmpdir());
  for (const entry of entries) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(entry);
    if (!match || isAlive(Number(match[1]))) continue;
    const dir = join(tmpdir(), entry);
    await stopAllUnder(dir, postgresBinDir);
    await removeDirectory(dir);
  }
}

/** Stops every server the run directory holds (clusters and Redis), at any depth the harness uses. */
export async function stopAllUnder(dir: string, postgresBinDir: string): Promise<void> {
  await stopClustersUnder(dir, postgresBinDir);
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(entries.map((entry) => killStaleRedis(join(dir, entry))));
}
