/**
 * Running the harness's server binaries. PostgreSQL refuses to run as root,
 * so when the tests run as root its tools run as an unprivileged system user
 * (`postgres`, else `nobody`) that owns the data directories.
 */
import { execFile, spawn, type SpawnOptions } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

let cachedRunAs: Promise<RunAs | undefined> | undefined;

/** The identity server processes run as: undefined when we are not root. */
export function unprivilegedUser(): Promise<RunAs | undefined> {
  cachedRunAs ??= (async () => {
    if (process.getuid?.() !== 0) return undefined;
    const passwd = await readFile('/etc/passwd', 'utf8');
    const entries = passwd.split('\n').map((line) => line.split(':'));
    for (const wanted of ['postgres', 'nobody']) {
      const entry = entries.find((e) => e[0] === wanted);
      if (entry?.[2] && entry[3]) return { user: wanted, uid: Number(entry[2]), gid: Number(entry[3]) };
    }
    throw new Error('running as root, but neither a "postgres" nor a "nobody" user exists to run PostgreSQL as');
  })();
  return cachedRunAs;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion as the unprivileged user; rejects with its output on failure. */
export async function runAsServerUser(command: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const runAs = await unprivilegedUser();
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      env: serverEnv(),
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    return { stdout, stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

export async function spawnAsServerUser(command: string, args: string[], options: SpawnOptions = {}) {
  const runAs = await unprivilegedUser();
  return spawn(command, args, { env: serverEnv(), ...options, ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) });
}

/** The caller's environment minus libpq variables, which would redirect the tools. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  for (const key of Object.keys(env)) if (key.startsWith('PG') && key !== 'PG_BIN') delete env[key];
  return env;
}
