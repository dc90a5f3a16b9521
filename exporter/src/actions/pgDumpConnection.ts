/**
 * How pg_dump reaches the target: the target's DSN turned into libpq
 * environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
 * PGSSLMODE, …) with the database replaced by the one being dumped.
 *
 * Nothing goes on the command line: argv is readable by every user of the
 * machine (`ps`), the environment of a process only by its owner and root.
 * The DSN is parsed the way the exporter's own connections parse it
 * (pg-connection-string), so pg_dump connects where the target does.
 * PGDATABASE is read by libpq as a plain name, never expanded as a
 * connection string (only a dbname given as an argument is), so a database
 * called `host=elsewhere` cannot redirect the dump.
 *
 * TLS: `sslmode` is handed to libpq as written, so pg_dump reads it with
 * libpq's meaning — `require` encrypts without checking the certificate
 * (node-postgres checks it). For a verified connection write
 * `sslmode=verify-full&sslrootcert=<file>` in the DSN. node-postgres'
 * `ssl=true` and `sslmode=no-verify` become libpq's `require`.
 */
import { parse } from 'pg-connection-string';
import { jobApplicationName } from './maintenanceSession.js';

export interface DumpConnection {
  /** libpq variables for the child's environment. Contains the password: never log or return it. */
  env: Record<string, string>;
  /** The same with the password replaced: what a dry run shows. */
  shown: Record<string, string>;
}

const PASSED_THROUGH: readonly [dsnKey: string, variable: string][] = [
  ['sslrootcert', 'PGSSLROOTCERT'],
  ['sslcert', 'PGSSLCERT'],
  ['sslkey', 'PGSSLKEY'],
  ['sslcrl', 'PGSSLCRL'],
  ['options', 'PGOPTIONS'],
  ['target_session_attrs', 'PGTARGETSESSIONATTRS'],
];

export function dumpConnection(dsn: string, database: string, jobId: string, connectTimeoutSeconds: number): DumpConnection {
  const parsed = parse(dsn);
  const env: Record<string, string> = {};
  const set = (variable: string, value: unknown): void => {
    if (typeof value === 'string' && value !== '') env[variable] = value;
  };
  set('PGHOST', parsed.host);
  set('PGPORT', parsed.port);
  set('PGUSER', parsed.user);
  set('PGPASSWORD', parsed.password);
  env.PGDATABASE = database;
  // The dump's session shows up in pg_stat_activity as the job that runs it.
  env.PGAPPNAME = jobApplicationName(jobId);
  set('PGSSLMODE', libpqSslMode(parsed.sslmode, parsed.ssl));
  for (const [key, variable] of PASSED_THROUGH) set(variable, parsed[key]);
  set('PGCONNECT_TIMEOUT', typeof parsed.connect_timeout === 'string' ? parsed.connect_timeout : String(Math.max(2, Math.ceil(connectTimeoutSeconds))));
  const shown = { ...env };
  if (shown.PGPASSWORD !== undefined) shown.PGPASSWORD = '(set from the DSN)';
  return { env, shown };
}

function libpqSslMode(sslmode: unknown, ssl: unknown): string | undefined {
  if (sslmode === 'no-verify') return 'require';
  if (typeof sslmode === 'string') return sslmode;
  if (ssl === true) return 'require';
  if (ssl === false) return 'disable';
  return undefined;
}
