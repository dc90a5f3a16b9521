/**
 * Where a PostgreSQL target's server listens, read from its DSN the way pg
 * reads it: a TCP host and port, or a Unix socket directory. Used to probe
 * the server's TLS and to decide whether its data directory is on this host.
 */
import { parse } from 'pg-connection-string';

/** What pg falls back to when neither the DSN nor PGHOST / PGPORT say. */
const DEFAULT_HOST = 'localhost';
const DEFAULT_PORT = 5432;

export type ServerAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'socket'; directory: string };

/** Where the target's server listens, read from the DSN the way pg reads it. */
export function serverAddress(dsn: string): ServerAddress {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    // URL errors carry the input, and the DSN holds the password.
    throw new Error('the DSN is not a URL');
  }
  // parse() reads sslcert / sslkey / sslrootcert files synchronously and warns
  // about some sslmode values; none of the ssl* parameters matter for where
  // the server is.
  for (const key of [...url.searchParams.keys()]) if (key.startsWith('ssl')) url.searchParams.delete(key);
  const parsed = parse(url.href);
  const host = parsed.host || process.env.PGHOST || DEFAULT_HOST;
  if (host.startsWith('/')) return { kind: 'socket', directory: host };
  const port = Number(parsed.port || process.env.PGPORT || DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('the port (from the DSN or PGPORT) is not a TCP port number');
  return { kind: 'tcp', host, port };
}
