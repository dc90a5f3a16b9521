/**
 * pg_dump and pg_restore as the backup actions run them: from the dump-dir
 * source's `binDir`, else from PATH; never through a shell; and with an
 * environment stripped of the exporter's own PG* variables, so a stray
 * PGSERVICE, PGPASSFILE or PGHOST cannot silently change what is dumped or
 * where from.
 */
import { join } from 'node:path';
import { ProcessError, runProcess } from '../childProcess.js';
import type { DumpDirectorySource } from './dumpDirectorySource.js';
import { ActionRejection } from './types.js';

export type PgTool = 'pg_dump' | 'pg_restore';

/** `--version` answers at once; a tool that does not is broken. */
const VERSION_TIMEOUT_MS = 10_000;

export interface MajorVersion {
  /** Comparable: 150000 for 15, 90600 for 9.6. */
  majorNum: number;
  /** As people write it: `15`, `9.6`. */
  major: string;
}

export interface ToolVersion extends MajorVersion {
  path: string;
  /** The tool's own line, e.g. `pg_dump (PostgreSQL) 15.8`: recorded in the manifest. */
  text: string;
}

export function pgToolPath(source: DumpDirectorySource, tool: PgTool): string {
  return source.binDir === undefined ? tool : join(source.binDir, tool);
}

/** The major version in a version string: `pg_dump (PostgreSQL) 15.8`, `16beta1`, `9.6.24`. */
export function parseMajorVersion(text: string): MajorVersion | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text) ?? /^(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!match) return undefined;
  const first = Number(match[1]);
  if (first >= 10) return { majorNum: first * 10000, major: String(first) };
  // Before 10 the major version had two parts (9.6); without the second it is unknown.
  if (match[2] === undefined) return undefined;
  const second = Number(match[2]);
  return { majorNum: first * 10000 + second * 100, major: `${first}.${second}` };
}

/** The major version of a server from `server_version_num` (150004 → 15, 90624 → 9.6). */
export function serverMajorVersion(versionNum: number): MajorVersion {
  const first = Math.floor(versionNum / 10000);
  if (versionNum >= 100000) return { majorNum: first * 10000, major: String(first) };
  const second = Math.floor(versionNum / 100) % 100;
  return { majorNum: first * 10000 + second * 100, major: `${first}.${second}` };
}

/** Runs `<tool> --version`; 422 when the tool cannot be run or does not say what it is. */
export async function pgToolVersion(source: DumpDirectorySource, tool: PgTool, signal: AbortSignal): Promise<ToolVersion> {
  const path = pgToolPath(source, tool);
  const where = source.binDir === undefined ? `set binDir on backup source ${source.name} to the directory holding ${tool}` : `check binDir of backup source ${source.name}`;
  let stdout: string;
  try {
    ({ stdout } = await runProcess({
      command: path,
      args: ['--version'],
      env: toolEnvironment(),
      signal,
      timeoutMs: VERSION_TIMEOUT_MS,
      stdout: { keepUpTo: 4096 },
    }));
  } catch (err) {
    if (!(err instanceof ProcessError)) throw err;
    if (err.failure === 'not_found') throw new ActionRejection(422, `${tool}_not_found`, `${path}: not found; ${where}`);
    throw new ActionRejection(422, `${tool}_unusable`, `${tool} --version failed: ${err.message}; ${where}`);
  }
  const text = stdout.trim().split('\n')[0] ?? '';
  const version = parseMajorVersion(text);
  if (!version) throw new ActionRejection(422, `${tool}_unusable`, `${path} --version printed "${text.slice(0, 100)}", not a PostgreSQL version; ${where}`);
  return { path, text, ...version };
}

/** The exporter's environment without PG* variables, plus `extra` (the connection, for pg_dump). */
export function toolEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([key]) => !key.startsWith('PG'));
  return { ...Object.fromEntries(inherited), ...extra };
}
