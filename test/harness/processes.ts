/**
 * Running the harness's server binaries. PostgreSQL refuses to run as root,
 * so when the tests run as root its tools run as an unprivileged system user
 * (`postgres`, else `nobody`) that owns the data directories.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { systemUser } from '../../exporter/src/demo/systemUser.js';

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
    for (const wanted of ['postgres', 'nobody']) {
      const ids = await systemUser(wanted);
      if (ids) return { user: wanted, ...ids };
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

/** The caller's environment minus libpq variables, which would redirect the tools. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  for (const key of Object.keys(env)) if (key.startsWith('PG') && key !== 'PG_BIN') delete env[key];
  return env;
}

/**
 * Stops a server the harness spawned: SIGTERM, then SIGKILL after `graceMs`
 * if it has not exited (a server busy writing may ignore SIGTERM), so that a
 * teardown can never hang.
 */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
