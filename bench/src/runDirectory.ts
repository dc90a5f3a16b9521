/**
 * The one temporary directory of a run: the servers' data directories, the
 * exporters' configuration files and logs. Removed at teardown unless --keep.
 */
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDirectory } from '../../test/harness/postgresCluster.js';

export async function createRunDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `upkeep-bench-${process.pid}-`));
  // PostgreSQL runs as an unprivileged user when the bench runs as root: it must reach its directories inside.
  await chmod(dir, 0o755);
  return dir;
}

export { removeDirectory };
