/**
 * Finds the server binaries the tests run. A missing one fails the run with
 * the name of the Debian package that provides it (`npm run test:all`
 * installs them: see test/system-packages.sh).
 */
import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export class MissingBinaryError extends Error {
  constructor(what: string, debianPackage: string, hint = '') {
    super(`${what} not found: install the Debian package "${debianPackage}" (apt-get install ${debianPackage})${hint}`);
    this.name = 'MissingBinaryError';
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, command)))) return join(dir, command);
  }
  return undefined;
}

/** PostgreSQL server binaries: $PG_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
export async function postgresBinDir(): Promise<string> {
  const explicit = process.env.PG_BIN;
  if (explicit) {
    if (await isExecutable(join(explicit, 'initdb'))) return explicit;
    throw new MissingBinaryError(`initdb in PG_BIN=${explicit}`, 'postgresql', '; or point PG_BIN at a directory holding initdb, pg_ctl and pg_basebackup');
  }
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  const sorted = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of sorted) {
    const dir = join(root, version, 'bin');
    if (await isExecutable(join(dir, 'initdb'))) return dir;
  }
  throw new MissingBinaryError('PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)', 'postgresql', '; or set PG_BIN');
}

export async function redisServerBinary(): Promise<string> {
  const found = process.env.REDIS_SERVER ?? (await onPath('redis-server'));
  if (found && (await isExecutable(found))) return found;
  throw new MissingBinaryError('redis-server', 'redis-server');
}

export async function promtoolBinary(): Promise<string> {
  const found = await onPath('promtool');
  if (found) return found;
  throw new MissingBinaryError('promtool', 'prometheus');
}

/** Debian names the binary prometheus-alertmanager; upstream builds call it alertmanager. */
export async function alertmanagerBinary(): Promise<string> {
  const found = (await onPath('prometheus-alertmanager')) ?? (await onPath('alertmanager'));
  if (found) return found;
  throw new MissingBinaryError('prometheus-alertmanager', 'prometheus-alertmanager');
}

export async function amtoolBinary(): Promise<string> {
  const found = await onPath('amtool');
  if (found) return found;
  throw new MissingBinaryError('amtool', 'prometheus-alertmanager');
}
