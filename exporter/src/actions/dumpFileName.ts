/**
 * The name a backup gets: `<target>-<database>-<UTC time>.dump`, e.g.
 * `main-app_db-20250102T020000Z.dump`. Only letters, digits, `_`, `.` and
 * `-`: a database may be called anything (`a/b`, `..`, spaces, emoji), and
 * the name must stay one harmless file in the dump directory. The real
 * database name is in the manifest; the file name is for people.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestPathFor, PARTIAL_SUFFIX } from '../backups/manifest.js';

export const DUMP_EXTENSION = '.dump';
/** Two backups cannot start in the same second under the scope lock; a foreign file might sit there. */
const MAX_NAME_ATTEMPTS = 100;

export function safeNamePart(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63);
  // A leading dot would hide the file (the collector skips hidden files).
  return safe.startsWith('.') ? `_${safe.slice(1)}` : safe;
}

/** `20250102T020000Z`: sorts like time, no characters a shell or a file system minds. */
export function compactUtcTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function dumpFileName(target: string, database: string, at: Date, attempt = 1): string {
  const suffix = attempt > 1 ? `-${attempt}` : '';
  return `${safeNamePart(target)}-${safeNamePart(database)}-${compactUtcTime(at)}${suffix}${DUMP_EXTENSION}`;
}

/** A dump path in `directory` that neither a dump, its partial file nor its manifest uses yet. */
export async function freeDumpPath(directory: string, target: string, database: string, at: Date): Promise<string> {
  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt += 1) {
    const path = join(directory, dumpFileName(target, database, at, attempt));
    const taken = await Promise.all([path, `${path}${PARTIAL_SUFFIX}`, manifestPathFor(path)].map(exists));
    if (!taken.includes(true)) return path;
  }
  throw new Error(`no free file name for a dump of ${database} in ${directory} after ${MAX_NAME_ATTEMPTS} attempts`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
