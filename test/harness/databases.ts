/**
 * Databases of a test's own on the shared harness primary: test files run in
 * parallel, so each one works in databases nobody else touches.
 */
import { randomBytes } from 'node:crypto';
import { harness } from './index.js';
import { queryOnce } from './postgresCluster.js';

export interface TestDatabase {
  name: string;
  /** The harness primary's DSN with this database. */
  dsn: string;
  drop(): Promise<void>;
}

export function dsnWithDatabase(dsn: string, database: string): string {
  const url = new URL(dsn);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const primary = harness().primary.dsn;
  await queryOnce(primary, `CREATE DATABASE ${name}`);
  return {
    name,
    dsn: dsnWithDatabase(primary, name),
    drop: async () => {
      await queryOnce(primary, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
