/** Whether a local PostgreSQL server is running, read from its data directory. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when postmaster.pid names a live process (the server removes the file when it stops). */
export async function postmasterRunning(dataDirectory: string): Promise<boolean> {
  const pidFile = await readFile(join(dataDirectory, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid);
}
