/**
 * What a server must be for VACUUM, ANALYZE or REINDEX to run on it: a
 * primary (a standby refuses every one of them: "cannot execute … during
 * recovery"), recent enough for the statement chosen.
 */
import type { PostgresServerInfo, PostgresTarget } from '../targets/postgres.js';
import { ActionRejection } from './types.js';

/**
 * Asks the server afresh rather than trusting the last scrape's probe: a
 * failover may have turned the primary into a standby in between.
 */
export async function requirePrimary(target: PostgresTarget): Promise<PostgresServerInfo> {
  await target.probe();
  const info = target.info;
  if (!info) throw new Error(`target ${target.name} answered the probe without describing itself`);
  if (info.role === 'standby') {
    throw new ActionRejection(409, 'standby', `target ${target.name} is a standby (in recovery): maintenance runs on its primary`);
  }
  return info;
}

/** `server_version_num` of the first release of a major version: 120000 is PostgreSQL 12. */
export function requireVersion(info: PostgresServerInfo, minimum: number, what: string): void {
  if (info.versionNum < minimum) {
    throw new ActionRejection(422, 'unsupported_version', `${what} needs PostgreSQL ${minimum / 10000} or later; the server runs ${info.version}`);
  }
}
