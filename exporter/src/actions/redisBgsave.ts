/**
 * Writes an RDB snapshot now (BGSAVE) and waits for it to finish, so the job
 * succeeds only once the snapshot is on disk, and fails when Redis reports
 * the save failed (rdb_last_bgsave_status:err: disk full, directory gone…).
 *
 * Redis forks a child that writes the snapshot; BGSAVE answers once the fork
 * is done, and INFO persistence shows rdb_bgsave_in_progress:1 until the child
 * has been reaped. So `in progress 0` after our BGSAVE answered means ours is
 * over. A BGSAVE cannot be stopped: cancelling the job only stops waiting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { infoNumber, parseRedisInfo, type RedisInfo } from '../collectors/redisInfoParser.js';
import { errorMessage } from '../log.js';
import type { RedisTarget } from '../targets/redis.js';
import { ActionRejection, defineAction, type Json } from './types.js';

/** Often enough that a small dataset's save does not keep the job waiting; INFO persistence is cheap. */
const POLL_MS = 300;

async function persistence(target: RedisTarget): Promise<RedisInfo> {
  return parseRedisInfo(await target.client.info('persistence'));
}

const inProgress = (info: RedisInfo, field: string): boolean => infoNumber(info, field) === 1;

/** Seconds since the epoch as ISO 8601; null when the field is absent. */
function isoTime(seconds: number | undefined): string | null {
  return seconds === undefined ? null : new Date(seconds * 1000).toISOString();
}

/** Progress of the running save: keys written (Redis 7) and seconds since it began. */
function savingProgress(info: RedisInfo): { phase: string; percent?: number; detail: Record<string, unknown> } {
  const seconds = infoNumber(info, 'rdb_current_bgsave_time_sec');
  const processed = infoNumber(info, 'current_save_keys_processed');
  const total = infoNumber(info, 'current_save_keys_total');
  return {
    phase: 'saving',
    ...(processed !== undefined && total !== undefined && total > 0 ? { percent: Math.min(100, Math.floor((processed / total) * 100)) } : {}),
    detail: { seconds: seconds ?? null, keysSaved: processed ?? null, keysTotal: total ?? null },
  };
}

export const redisBgsave = defineAction({
  name: 'redis-bgsave',
  title: 'Save RDB snapshot',
  description: 'Writes an RDB snapshot in the background (BGSAVE) and waits until it is on disk; fails when Redis reports the save failed. Redis keeps serving meanwhile.',
  targetKind: 'redis',
  params: z.strictObject({}),
  role: 'operator',
  // A snapshot replaces the previous dump file with a newer one of the same data.
  destructive: false,
  supportsDryRun: false,
  // The redis collector reads INFO live on every scrape.
  refreshes: [],
  async prepare({ target }) {
    const info = await persistence(target);
    // Waiting for someone else's save would report on a snapshot this job did not ask for.
    if (inProgress(info, 'rdb_bgsave_in_progress')) {
      throw new ActionRejection(409, 'bgsave_in_progress', 'a background save is already running on this server', {
        runningSeconds: infoNumber(info, 'rdb_current_bgsave_time_sec') ?? null,
      });
    }
    // Redis refuses BGSAVE while it rewrites the append-only file.
    if (inProgress(info, 'aof_rewrite_in_progress')) {
      throw new ActionRejection(409, 'aof_rewrite_in_progress', 'an append-only file rewrite is running on this server; BGSAVE can run once it has finished', {
        runningSeconds: infoNumber(info, 'aof_current_rewrite_time_sec') ?? null,
      });
    }
    return { scope: 'bgsave', plan: {} };
  },
  async run(ctx): Promise<Json> {
    const { target, signal, log } = ctx;
    const before = await persistence(target);
    const started = Date.now();
    ctx.progress({ phase: 'starting' });
    try {
      await target.client.bgsave();
    } catch (error) {
      // Another client's BGSAVE or an AOF rewrite may have begun since prepare.
      throw new Error(`Redis refused BGSAVE: ${errorMessage(error)}`);
    }
    let info = await persistence(target);
    while (inProgress(info, 'rdb_bgsave_in_progress')) {
      ctx.progress(savingProgress(info));
      try {
        await sleep(POLL_MS, undefined, { signal });
      } catch (error) {
        log.warn('redis_bgsave.still_running', { target: target.name, note: 'the job stopped waiting; Redis cannot stop a BGSAVE, it finishes on its own' });
        throw signal.aborted ? new Error('stopped waiting for the background save; it cannot be stopped and goes on running on the server') : error;
      }
      info = await persistence(target);
    }
    const lastSave = infoNumber(info, 'rdb_last_save_time');
    if (info.fields.get('rdb_last_bgsave_status') !== 'ok') {
      throw new Error(`the background save failed (rdb_last_bgsave_status:${info.fields.get('rdb_last_bgsave_status') ?? 'unknown'}); the Redis log says why. The last good snapshot is from ${isoTime(lastSave) ?? 'never'}`);
    }
    const cow = infoNumber(info, 'rdb_last_cow_size');
    return {
      status: 'ok',
      lastSaveTime: isoTime(lastSave),
      previousSaveTime: isoTime(infoNumber(before, 'rdb_last_save_time')),
      // Whole seconds as Redis counts them; 0 for a small dataset.
      saveSeconds: infoNumber(info, 'rdb_last_bgsave_time_sec') ?? null,
      waitedSeconds: Math.round((Date.now() - started) / 100) / 10,
      ...(cow !== undefined ? { copyOnWriteBytes: cow } : {}),
    };
  },
});
