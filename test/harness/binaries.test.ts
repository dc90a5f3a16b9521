import { afterEach, describe, expect, it } from 'vitest';
import { postgresBinDir, redisServerBinary } from './binaries.js';

const saved = { PG_BIN: process.env.PG_BIN, REDIS_SERVER: process.env.REDIS_SERVER };
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('finding server binaries', () => {
  it('names the Debian package to install when PostgreSQL is missing', async () => {
    process.env.PG_BIN = '/nonexistent/postgresql/bin';
    await expect(postgresBinDir()).rejects.toThrow(
      'initdb in PG_BIN=/nonexistent/postgresql/bin not found: install the Debian package "postgresql" (apt-get install postgresql)',
    );
  });

  it('names the Debian package to install when Redis is missing', async () => {
    process.env.REDIS_SERVER = '/nonexistent/redis-server';
    await expect(redisServerBinary()).rejects.toThrow('redis-server not found: install the Debian package "redis-server"');
  });

  it('finds the machine binaries by default', async () => {
    delete process.env.PG_BIN;
    delete process.env.REDIS_SERVER;
    await expect(postgresBinDir()).resolves.toMatch(/bin$/);
    await expect(redisServerBinary()).resolves.toMatch(/redis-server$/);
  });
});
