/**
 * One temporary directory per test run holds every server the run starts.
 * Its name carries the pid of the run, so a later run can tell that a run
 * died without its teardown and stop what it left behind.
 */
import { chmod, mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDirectory, stopClustersUnder } from './postgresCluster.js';
import { isProcessAlive } from '../../exporter/src/demo/postmaster.js';
import { killStaleRedis } from './redisServer.js';

const PREFIX = 'upkeep-test-';

export async function createRunDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
  // The unprivileged server user must be able to reach its data directories inside.
  await chmod(dir, 0o755);
  return dir;
}

/** Whether the run that made a directory is still going: its pid is alive and still a Node process. */
async function runStillGoing(pid: number): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  // pids are reused: a live pid that is not node belongs to someone else now.
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return commandLine === '' || commandLine.includes('node');
}

/**
 * Stops the servers of earlier runs that died without their teardown, and
 * removes their directories. Only our own user's directories: another
 * user's run is theirs to clean, and we could not remove it anyway.
 */
export async function cleanStaleRunDirectories(postgresBinDir: string): Promise<void> {
  const entries = await readdir(tmpdir());
  for (const entry of entries) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(entry);
    if (!match) continue;
    const dir = join(tmpdir(), entry);
    try {
      const owner = (await stat(dir)).uid;
      if (owner !== process.getuid?.() || (await runStillGoing(Number(match[1])))) continue;
      await stopAllUnder(dir, postgresBinDir);
      await removeDirectory(dir);
    } catch (err) {
      process.stderr.write(`harness: could not clean up ${dir}: ${(err as Error).message}\n`);
    }
  }
}

/** Stops every server the run directory holds (clusters and Redis), at any depth the harness uses. */
export async function stopAllUnder(dir: string, postgresBinDir: string): Promise<void> {
  await stopClustersUnder(dir, postgresBinDir);
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(entries.map((entry) => killStaleRedis(join(dir, entry))));
}
