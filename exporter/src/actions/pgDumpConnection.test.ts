/** The target's DSN as pg_dump gets it: in its environment, the password never shown. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpConnection } from './pgDumpConnection.js';

describe('dumpConnection', () => {
  it('passes host, port, user and password in the environment, with the database to dump and the job as application_name', async () => {
    // pg-connection-string reads the CA file, as the target's own connections do: it must exist.
    const dir = await mkdtemp(join(tmpdir(), 'upkeep-dsn-'));
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, '-----BEGIN CERTIFICATE-----\n');
    const { env, shown } = dumpConnection(`postgres://backup:s%40cret@db.internal:6432/postgres?sslmode=verify-full&sslrootcert=${ca}`, 'app db', 'job-1', 5);
    expect(env).toEqual({
      PGHOST: 'db.internal',
      PGPORT: '6432',
      PGUSER: 'backup',
      PGPASSWORD: 's@cret',
      PGDATABASE: 'app db',
      PGAPPNAME: 'upkeep-job:job-1',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: ca,
      PGCONNECT_TIMEOUT: '5',
    });
    expect(shown.PGPASSWORD).toBe('(set from the DSN)');
    expect(JSON.stringify(shown)).not.toContain('s@cret');
    await rm(dir, { recursive: true, force: true });
  });

  it("turns node-postgres' own TLS switches into libpq's", () => {
    expect(dumpConnection('postgres://u@h/db?ssl=true', 'db', 'j', 5).env.PGSSLMODE).toBe('require');
    expect(dumpConnection('postgres://u@h/db?sslmode=no-verify', 'db', 'j', 5).env.PGSSLMODE).toBe('require');
    expect(dumpConnection('postgres://u@h/db', 'db', 'j', 5).env.PGSSLMODE).toBeUndefined();
  });

  it('reaches a server by its Unix socket directory', () => {
    const { env } = dumpConnection('postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/postgres', 'app', 'j', 0.5);
    expect(env).toMatchObject({ PGHOST: '/var/run/postgresql', PGDATABASE: 'app', PGCONNECT_TIMEOUT: '2' });
    expect(env.PGPASSWORD).toBeUndefined();
  });
});
