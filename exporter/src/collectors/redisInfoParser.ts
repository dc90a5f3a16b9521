/**
 * Reads the text Redis answers to INFO: `# Section` headers, then one
 * `field:value` line each (values may hold colons themselves: `executable:/usr/bin/…`).
 * Pure, so it is tested on its own against texts of real servers.
 */

/** One `dbN:keys=…,expires=…,avg_ttl=…` line of the Keyspace section (only databases that hold keys have one). */
export interface KeyspaceEntry {
  db: string;
  keys: number;
  expires: number;
}

export interface RedisInfo {
  /** Every `field:value` line outside the Keyspace section, by field name (field names are unique across sections). */
  readonly fields: ReadonlyMap<string, string>;
  readonly keyspace: readonly KeyspaceEntry[];
}

export function parseRedisInfo(text: string): RedisInfo {
  const fields = new Map<string, string>();
  const keyspace: KeyspaceEntry[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      section = line.slice(1).trim().toLowerCase();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (section === 'keyspace') {
      const entry = keyspaceEntry(name, value);
      if (entry) keyspace.push(entry);
    } else {
      fields.set(name, value);
    }
  }
  return { fields, keyspace };
}

function keyspaceEntry(name: string, value: string): KeyspaceEntry | undefined {
  if (!/^db\d+$/.test(name)) return undefined;
  const parts = new Map<string, string>();
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) parts.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const keys = Number(parts.get('keys'));
  const expires = Number(parts.get('expires') ?? 0);
  if (!Number.isFinite(keys) || !Number.isFinite(expires)) return undefined;
  return { db: name.slice(2), keys, expires };
}

/** A numeric field; undefined when the server does not report it (older versions, Sentinel) or it is not a number. */
export function infoNumber(info: RedisInfo, field: string): number | undefined {
  const text = info.fields.get(field);
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** 1 for `ok`, 0 for `err` (the `*_status` fields); undefined for anything else. */
export function infoStatus(info: RedisInfo, field: string): 1 | 0 | undefined {
  const text = info.fields.get(field);
  if (text === 'ok') return 1;
  if (text === 'err') return 0;
  return undefined;
}

/** `master` or `replica`: INFO still says `slave` for a replica, for compatibility. */
export function replicationRole(info: RedisInfo): string | undefined {
  const role = info.fields.get('role');
  return role === 'slave' ? 'replica' : role;
}
