/**
 * The filesystems a PostgreSQL server depends on: its data directory
 * (role="data") and WAL (role="wal", `<data_directory>/pg_wal`, resolved
 * through the symlink that often puts it on its own disk) when the server
 * runs on this machine, and the directories of the target's dump-dir backup
 * sources (role="backup") wherever the server runs.
 *
 * Per scrape: no query in the steady state. Where the data directory is,
 * and whether it is this machine's (see dataDirectoryLocality.ts), is asked
 * once (one query, only for a DSN that reaches a local server) and then
 * kept for LOCALITY_MAX_AGE_MS — it changes only with a restart. Then one
 * bounded realpath + stat + statfs per path and one shared mountinfo read.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { diskFamilies, emitPathProbe, PathProbeLog, type WatchedPath } from '../metrics/diskFamilies.js';
import { decideLocality, type Locality, type ServerFacts } from '../targets/dataDirectoryLocality.js';
import { filesystemProbe } from '../targets/filesystem.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { liveCollector } from './types.js';
import { perTarget } from './perTarget.js';

export const LOCALITY_MAX_AGE_MS = 5 * 60_000;

interface TargetState {
  locality: Locality | undefined;
  decidedAt: number;
  /** The locality last logged, so each is logged once when it starts. */
  logged: string | undefined;
  probeLog: PathProbeLog;
}

const stateOf = perTarget(
  (_target: PostgresTarget): TargetState => ({ locality: undefined, decidedAt: 0, logged: undefined, probeLog: new PathProbeLog() }),
);

export async function readServerFacts(target: PostgresTarget): Promise<ServerFacts> {
  const { rows } = await target.query<{ data_directory: string; port: number; started_at: number }>(
    `SELECT current_setting('data_directory') AS data_directory,
            current_setting('port')::int AS port,
            extract(epoch FROM pg_postmaster_start_time())::float8 AS started_at`,
  );
  const row = rows[0];
  if (!row) throw new Error('the data directory query returned no row');
  return { dataDirectory: row.data_directory, port: row.port, startedAt: row.started_at };
}

/** postmaster.pid lies inside the data directory, on a disk that may hang like any other. */
export const readGuarded = (path: string): Promise<string> => filesystemProbe.guard.run(`read:${path}`, () => readFile(path, 'utf8'));

function logLocality(state: TargetState, locality: Locality, log: Logger): void {
  const key = locality.local ? `local:${locality.dataDirectory}` : `not_local:${locality.reason}`;
  if (state.logged === key) return;
  state.logged = key;
  if (locality.local) log.info('pg_disk.data_directory_local', { dataDirectory: locality.dataDirectory });
  else log.info('pg_disk.data_directory_not_local', { reason: locality.reason, message: `${locality.message}; data and WAL disks are not reported` });
}

async function locate(target: PostgresTarget, state: TargetState, log: Logger): Promise<Locality> {
  if (state.locality && Date.now() - state.decidedAt < LOCALITY_MAX_AGE_MS) return state.locality;
  let locality: Locality;
  try {
    locality = await decideLocality(target.config.dsn, () => readServerFacts(target), readGuarded);
  } catch (error) {
    // A query that fails now says nothing new about where the directory is:
    // keep the last answer and ask again on the next scrape.
    if (!state.locality) throw error;
    log.debug('pg_disk.locality_refresh_failed', { error });
    return state.locality;
  }
  state.locality = locality;
  state.decidedAt = Date.now();
  logLocality(state, locality, log);
  return locality;
}

function watchedPaths(target: PostgresTarget, locality: Locality): WatchedPath[] {
  const paths: WatchedPath[] = [];
  if (locality.local) {
    paths.push({ path: locality.dataDirectory, role: 'data' }, { path: join(locality.dataDirectory, 'pg_wal'), role: 'wal' });
  }
  for (const source of target.config.backups) {
    if (source.kind === 'dump-dir' && source.path !== undefined) paths.push({ path: source.path, role: 'backup' });
  }
  // Two sources in one directory are one set of series.
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = `${p.role}\u0000${p.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const pgDisk = liveCollector({
  name: 'pg_disk',
  description: "Size, free space, inodes and read-only flag of the filesystems holding the server's data directory and WAL (when local) and its dump-dir backups.",
  mode: 'live',
  targetKind: 'postgres',
  families: diskFamilies,
  async collect({ target, emit, log }) {
    const state = stateOf(target);
    const locality = await locate(target, state, log);
    const paths = watchedPaths(target, locality);
    const probes = await Promise.all(paths.map((p) => filesystemProbe.probe(p.path)));
    paths.forEach((watched, i) => {
      const probe = probes[i]!;
      state.probeLog.record(log, watched, probe);
      emitPathProbe(emit, watched, probe);
      // The data directory gone from where it was: moved, or another
      // server now answers at this address. Ask again next scrape.
      if (watched.role === 'data' && !probe.ok && probe.reason === 'not_found') state.decidedAt = 0;
    });
  },
});
