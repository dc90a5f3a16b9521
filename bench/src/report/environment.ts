/** The facts a result needs next to it to be comparable: machine, versions, commit. */
import { execFile } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { queryOnce } from '../../../test/harness/postgresCluster.js';
import { PGEXP_BINARY } from '../exporters/postgresExporter.js';
import { UPKEEP_CLI } from '../exporters/upkeep.js';
import { shippedNodeFlags } from '../exporters/nodeFlags.js';
import { REPO_ROOT } from '../paths.js';
import type { Environment } from './results.js';

const run = promisify(execFile);

async function output(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, [...args], { cwd: REPO_ROOT, timeout: 10_000 });
    return `${stdout}${stderr}`.trim();
  } catch {
    return 'unknown';
  }
}

export async function describeEnvironment(adminDsn: string, cpuBusyBefore: number): Promise<Environment> {
  const cores = cpus();
  const [pgRow] = await queryOnce<{ server_version: string }>(adminDsn, 'SHOW server_version');
  const pgexp = (await output(PGEXP_BINARY, ['--version'])).match(/version (\S+)/)?.[1] ?? 'unknown';
  const upkeepVersion = await output(process.execPath, [UPKEEP_CLI, '--version']);
  const commit = await output('git', ['rev-parse', '--short', 'HEAD']);
  const status = await output('git', ['status', '--porcelain', '--untracked-files=no']);
  const dirty = status !== '' && status !== 'unknown' ? ', uncommitted changes' : '';
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    cpus: `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `Linux ${release()}`,
    node: process.version,
    postgres: pgRow?.server_version ?? 'unknown',
    postgresExporter: pgexp,
    // `upkeep --version` prints "upkeep 0.1.0".
    cpuBusyBefore,
    upkeepNodeFlags: await shippedNodeFlags(),
    upkeep: `${(upkeepVersion.split('\n')[0] ?? 'unknown').replace(/^upkeep /, '')} (commit ${commit}${dirty})`,
  };
}
