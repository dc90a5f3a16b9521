/**
 * Whether a PostgreSQL server's data directory is on this machine, so its
 * filesystem may be reported as the server's. Getting this wrong reports
 * some other disk's numbers under role="data", so every doubt answers "no":
 *
 * 1. the DSN reaches the server through a Unix socket or a loopback address
 *    (anything else is another machine, or a container whose disks are not
 *    ours), and
 * 2. the directory named by `data_directory` holds a `postmaster.pid` that
 *    describes the running server: the same data directory, the same port
 *    and the same start time. That tells apart a different cluster at the
 *    same path (another container, a standby's copy with the same
 *    system identifier, a stale copy) and a port forwarded to elsewhere.
 *
 * postmaster.pid is readable by the server's user (and its group when the
 * cluster was initialised with --allow-group-access); an exporter that may
 * not read it cannot verify, and says so.
 */
import { BlockList, isIP } from 'node:net';
import { join } from 'node:path';
import { serverAddress, type ServerAddress } from './serverAddress.js';
import { reasonOf } from './filesystem.js';

/** What the server says about itself (one catalog query). */
export interface ServerFacts {
  dataDirectory: string;
  /** `port` setting: the server's own, not the DSN's (which may be a pooler's). */
  port: number;
  /** pg_postmaster_start_time() as Unix seconds. */
  startedAt: number;
}

export type NotLocalReason = 'remote_host' | 'unknown_host' | 'no_privilege' | 'not_found' | 'different_server' | 'unreadable';

export type Locality = { local: true; dataDirectory: string } | { local: false; reason: NotLocalReason; message: string };

/**
 * postmaster.pid records the start time (whole seconds) before shared
 * memory and libraries are set up, pg_postmaster_start_time() after: a
 * moment apart, a few seconds for a huge shared_buffers.
 */
const START_TIME_TOLERANCE_SECONDS = 10;

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  // By convention, without asking DNS (RFC 6761): a resolver that says otherwise is misconfigured.
  if (bare === 'localhost' || bare === 'localhost.') return true;
  const family = isIP(bare);
  return family !== 0 && loopback.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

export function reachesLocalServer(address: ServerAddress): boolean {
  return address.kind === 'socket' || isLoopbackHost(address.host);
}

/** Lines of postmaster.pid (PostgreSQL 10 and later): pid, data directory, start time, port, … */
interface PidFile {
  dataDirectory: string | undefined;
  startedAt: number;
  port: number;
}

function parsePidFile(text: string): PidFile {
  const lines = text.split('\n');
  return { dataDirectory: lines[1], startedAt: Number(lines[2]), port: Number(lines[3]) };
}

/** Where a mismatch between postmaster.pid and the server lies, or undefined when they agree. */
function mismatch(pid: PidFile, server: ServerFacts): string | undefined {
  if (pid.dataDirectory !== server.dataDirectory) return 'its data directory line names another directory';
  if (pid.port !== server.port) return `it is for port ${pid.port}, the server listens on ${server.port}`;
  if (!(Math.abs(pid.startedAt - server.startedAt) <= START_TIME_TOLERANCE_SECONDS)) return 'it is from a server started at another time';
  return undefined;
}

/** SQLSTATE insufficient_privilege: data_directory needs pg_read_all_settings. */
const INSUFFICIENT_PRIVILEGE = '42501';

function addressOf(dsn: string): ServerAddress | undefined {
  try {
    return serverAddress(dsn);
  } catch {
    return undefined;
  }
}

/**
 * `readServerFacts` is asked only when the DSN could reach a local server,
 * so a remote target costs no query; `readFile` reads postmaster.pid.
 */
export async function decideLocality(dsn: string, readServerFacts: () => Promise<ServerFacts>, readFile: (path: string) => Promise<string>): Promise<Locality> {
  const address = addressOf(dsn);
  if (address === undefined) {
    return { local: false, reason: 'unknown_host', message: 'the DSN is not a URL, so where the server runs is unknown' };
  }
  if (!reachesLocalServer(address)) {
    return { local: false, reason: 'remote_host', message: 'the DSN reaches the server over the network (not a Unix socket or loopback address)' };
  }
  let server: ServerFacts;
  try {
    server = await readServerFacts();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== INSUFFICIENT_PRIVILEGE) throw error;
    return { local: false, reason: 'no_privilege', message: 'reading data_directory needs the pg_read_all_settings role (pg_monitor includes it)' };
  }
  const pidPath = join(server.dataDirectory, 'postmaster.pid');
  let text: string;
  try {
    text = await readFile(pidPath);
  } catch (error) {
    const reason = reasonOf(error);
    if (reason === 'not_found') {
      return { local: false, reason: 'not_found', message: `${pidPath} does not exist here: the data directory is on another machine or in another container` };
    }
    const hint =
      reason === 'permission_denied'
        ? ' (run the exporter as the server user, or in its group with a cluster initialised with --allow-group-access)'
        : '';
    return { local: false, reason: 'unreadable', message: `cannot read ${pidPath}: ${reason}${hint}` };
  }
  const problem = mismatch(parsePidFile(text), server);
  if (problem !== undefined) {
    return { local: false, reason: 'different_server', message: `${pidPath} is not the running server's: ${problem}` };
  }
  return { local: true, dataDirectory: server.dataDirectory };
}
