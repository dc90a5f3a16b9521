/**
 * What a backup job leaves when the exporter dies under it (SIGKILL, power
 * loss): its `.partial` file (pg_dump dies of the broken pipe), or a renamed
 * dump whose manifest was never written. The job runner, when it marks such
 * a job `interrupted`, passes the file name the job last reported in its
 * progress (`detail.file`) and this removes exactly those leftovers — never
 * a dump that has its manifest, never anything named by a path.
 */
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestPathFor, PARTIAL_SUFFIX } from '../backups/manifest.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { dumpDirectorySourceOf } from './dumpDirectorySource.js';
import { DUMP_EXTENSION } from './dumpFileName.js';

/** The files removed (full paths); none when there was nothing left over. */
export async function removeInterruptedBackup(target: PostgresTarget, file: string): Promise<string[]> {
  if (file.includes('/') || file.includes('..') || !file.endsWith(DUMP_EXTENSION)) return [];
  const source = dumpDirectorySourceOf(target);
  const dumpPath = join(source.path, file);
  const completed = await access(manifestPathFor(dumpPath)).then(
    () => true,
    () => false,
  );
  const leftovers = [`${dumpPath}${PARTIAL_SUFFIX}`, `${manifestPathFor(dumpPath)}${PARTIAL_SUFFIX}`, ...(completed ? [] : [dumpPath])];
  const removed: string[] = [];
  for (const path of leftovers) {
    const existed = await access(path).then(
      () => true,
      () => false,
    );
    if (!existed) continue;
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}
