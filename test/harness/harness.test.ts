import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { harness, queryOnce as query } from './index.js';

describe('test harness', () => {
  it('runs a primary with pg_stat_statements preloaded', async () => {
    const { primary } = harness();
    const [row] = await query<{ recovery: boolean; preload: string; ext: string | null }>(
      primary.dsn,
      `SELECT pg_is_in_recovery() AS recovery, current_setting('shared_preload_libraries') AS preload,
              (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS ext`,
    );
    expect(row).toMatchObject({ recovery: false, preload: 'pg_stat_statements' });
    expect(row!.ext).not.toBeNull();
  });

  it('runs a standby that streams from the primary', async () => {
    const { primary, standby } = harness();
    const [replication] = await query<{ state: string }>(
      primary.dsn,
      `SELECT state FROM pg_stat_replication WHERE application_name = '${standby.applicationName}'`,
    );
    expect(replication?.state).toBe('streaming');
    const [row] = await query<{ recovery: boolean; receiver: string | null }>(
      standby.dsn,
      'SELECT pg_is_in_recovery() AS recovery, (SELECT status FROM pg_stat_wal_receiver) AS receiver',
    );
    expect(row).toEqual({ recovery: true, receiver: 'streaming' });
  });

  it('runs a Redis server', async () => {
    const redis = new Redis(harness().redis.url, { lazyConnect: true });
    await redis.connect();
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});
