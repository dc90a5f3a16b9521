/** `host:port` as used by `listen` and `--listen`: IPv4, a hostname, or `[IPv6]`. */

export interface ListenAddress {
  host: string;
  port: number;
}

export type ListenParse = ({ ok: true } & ListenAddress) | { ok: false; message: string };

export function parseListenAddress(value: string): ListenParse {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value.trim());
  if (!match) {
    return { ok: false, message: `must be host:port (for example "0.0.0.0:9854" or "[::]:9854"), got "${value}"` };
  }
  const port = Number(match[3]);
  if (port > 65535) return { ok: false, message: `port ${port} is out of range (0-65535)` };
  const host = match[1] ?? (match[2] || '0.0.0.0');
  return { ok: true, host, port };
}

/** A URL a person can paste into a browser: a wildcard bind is reachable as localhost. */
export function displayUrl(address: ListenAddress): string {
  const wildcard = address.host === '0.0.0.0' || address.host === '::';
  const host = wildcard ? 'localhost' : address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}`;
}
