/**
 * The locality decision with real files: a postmaster.pid written here the
 * way PostgreSQL writes it. The same decision against running servers
 * (loopback, Unix socket, a non-loopback address) is in
 * test/integration/disk.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideLocality, isLoopbackHost, type Locality, type ServerFacts } from './dataDirectoryLocality.js';

let dataDirectory: string;
let server: ServerFacts;

beforeEach(async () => {
  dataDirectory = await mkdtemp(join(tmpdir(), 'upkeep-locality-'));
  server = { dataDirectory, port: 5433, startedAt: 1_750_000_000.123 };
  // PostgreSQL 10+: pid, data directory, start time, port, socket directory, listen address, shmem key, status.
  await writeFile(join(dataDirectory, 'postmaster.pid'), `4242\n${dataDirectory}\n1750000000\n5433\n/var/run/postgresql\n127.0.0.1\n  5433001   0\nready   \n`);
});

afterEach(async () => {
  await rm(dataDirectory, { recursive: true, force: true });
});

const read = (path: string) => readFile(path, 'utf8');
const facts = () => Promise.resolve(server);
const reasonOf = (l: Locality) => (l.local ? 'local' : l.reason);

describe('isLoopbackHost', () => {
  it('knows loopback addresses and localhost, and nothing else', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['192.0.2.10', '10.0.0.1', 'db.example.com', 'localhost.example.com', '::2', 'fd00::1', '0.0.0.0', '']) expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe('decideLocality', () => {
  it('is local over loopback or a Unix socket when postmaster.pid describes the running server', async () => {
    for (const dsn of ['postgresql://u@127.0.0.1:5433/db', 'postgresql://u@localhost/db', 'postgresql://u@%2Fvar%2Frun%2Fpostgresql:5433/db', 'postgresql:///db?host=/var/run/postgresql']) {
      expect(await decideLocality(dsn, facts, read), dsn).toEqual({ local: true, dataDirectory });
    }
  });

  it('does not ask the server or look at files for a DSN that reaches the server over the network', async () => {
    let asked = 0;
    const locality = await decideLocality(
      'postgresql://u@192.0.2.10:5432/db',
      () => {
        asked += 1;
        return facts();
      },
      read,
    );
    expect(reasonOf(locality)).toBe('remote_host');
    expect(asked).toBe(0);
  });

  it('a DSN that is not a URL leaves the host unknown: not local', async () => {
    expect(reasonOf(await decideLocality('host=/var/run/postgresql dbname=db', facts, read))).toBe('unknown_host');
  });

  it('a directory that is not here is not local', async () => {
    server = { ...server, dataDirectory: join(dataDirectory, 'elsewhere') };
    const locality = await decideLocality('postgresql://u@127.0.0.1/db', facts, read);
    expect(reasonOf(locality)).toBe('not_found');
  });

  it('a postmaster.pid of another server at the same path (other port, other start, other directory line) is not local', async () => {
    for (const other of [{ port: 5432 }, { startedAt: 1_750_000_000 + 3600 }]) {
      const locality = await decideLocality('postgresql://u@127.0.0.1/db', () => Promise.resolve({ ...server, ...other }), read);
      expect(reasonOf(locality), JSON.stringify(other)).toBe('different_server');
    }
    await writeFile(join(dataDirectory, 'postmaster.pid'), `4242\n/srv/other\n1750000000\n5433\n`);
    expect(reasonOf(await decideLocality('postgresql://u@127.0.0.1/db', facts, read))).toBe('different_server');
  });

  it('an unreadable postmaster.pid cannot prove anything: not local, with a hint', async () => {
    // Root reads any file, so the refusal is handed in.
    const refuse = () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    const locality = await decideLocality('postgresql://u@127.0.0.1/db', facts, refuse);
    expect(reasonOf(locality)).toBe('unreadable');
    expect(locality.local ? '' : locality.message).toContain('--allow-group-access');
  });

  it('a role without pg_read_all_settings cannot see data_directory: not local, said why', async () => {
    const denied = () => Promise.reject(Object.assign(new Error('permission denied to examine "data_directory"'), { code: '42501' }));
    expect(reasonOf(await decideLocality('postgresql://u@127.0.0.1/db', denied, read))).toBe('no_privilege');
  });

  it('any other failure of the query is an error for the caller', async () => {
    const broken = () => Promise.reject(Object.assign(new Error('terminating connection'), { code: '57P01' }));
    await expect(decideLocality('postgresql://u@127.0.0.1/db', broken, read)).rejects.toThrow('terminating connection');
  });
});
