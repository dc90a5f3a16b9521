/**
 * redis-bgsave against redis-servers of the test's own (the shared one is
 * used by other files at the same time, and a slow or failing save must not
 * leak into them). `rdb-key-save-delay` makes the child sleep per key: a save
 * of a few dozen keys then takes seconds, long enough to overlap.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ZodError } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { redisBgsave } from '../../exporter/src/actions/redisBgsave.js';
import { ActionRejection, type JobProgress } from '../../exporter/src/actions/types.js';
import { catalogOf, collectors } from '../../exporter/src/collectors/index.js';
import { infoNumber, parseRedisInfo } from '../../exporter/src/collectors/redisInfoParser.js';
import { validateConfig } from '../../exporter/src/config/load.js';
import { silentLogger } from '../../exporter/src/log.js';
import { RedisTarget } from '../../exporter/src/targets/redis.js';
import { runActionDirectly } from '../harness/actions.js';
import { redisServerBinary } from '../harness/binaries.js';
import { eventually, temporaryDirectory } from '../harness/index.js';
import { RedisServer } from '../harness/redisServer.js';
import { rejectionOf } from '../harness/rejection.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  server: RedisServer;
  /** The test's own connection, for preparing data and reading INFO. */
  client: Redis;
  target: RedisTarget;
}

async function setUp(name: string): Promise<Setup> {
  // Protected configs let the test move the dump directory (CONFIG SET dir).
  const server = await RedisServer.start(await redisServerBinary(), await temporaryDirectory(`redis-bgsave-${name}-`), ['--enable-protected-configs', 'yes']);
  cleanups.push(() => server.stop());
  const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  cleanups.push(() => Promise.resolve(client.disconnect()));
  const validated = await validateConfig({ redis: [{ name: 'cache', url: server.url }] }, { collectors: catalogOf(collectors) });
  if (!validated.ok) throw new Error('redis target config invalid');
  const target = await RedisTarget.create(validated.config.redis[0]!, silentLogger);
  cleanups.push(() => target.close());
  target.start();
  await target.probe();
  return { server, client, target };
}

async function persistence(client: Redis): Promise<{ inProgress: number; lastSave: number; status: string | undefined }> {
  const info = parseRedisInfo(await client.info('persistence'));
  return { inProgress: infoNumber(info, 'rdb_bgsave_in_progress') ?? -1, lastSave: infoNumber(info, 'rdb_last_save_time') ?? -1, status: info.fields.get('rdb_last_bgsave_status') };
}

/** `keys` keys, each delaying the save by `delayMs`. */
async function slowSave(client: Redis, keys: number, delayMs: number): Promise<void> {
  await client.mset(Object.fromEntries(Array.from({ length: keys }, (_, i) => [`key:${i}`, 'x'])));
  await client.call('CONFIG', 'SET', 'rdb-key-save-delay', String(delayMs * 1000));
}

describe('redis-bgsave', () => {
  it('writes a snapshot and waits for it: the last save time moves, the status is ok, the dump is on disk', async () => {
    const { server, client, target } = await setUp('ok');
    await client.mset({ a: '1', b: '2', c: '3' });
    const before = await persistence(client);
    // rdb_last_save_time counts whole seconds.
    while (Date.now() / 1000 < before.lastSave + 1) await new Promise((r) => setTimeout(r, 50));

    const run = await runActionDirectly(redisBgsave, target, {});

    const after = await persistence(client);
    expect(run.scope).toBe('bgsave');
    expect(after).toMatchObject({ inProgress: 0, status: 'ok' });
    expect(after.lastSave).toBeGreaterThan(before.lastSave);
    expect(run.result).toMatchObject({ status: 'ok', lastSaveTime: new Date(after.lastSave * 1000).toISOString(), saveSeconds: expect.any(Number) as unknown });
    expect((await stat(join(server.directory, 'dump.rdb'))).size).toBeGreaterThan(0);
    expect(run.progress[0]?.phase).toBe('starting');
  });

  it('reports the running save, refuses a second one (409), and stops waiting when cancelled while the save goes on', async () => {
    const { client, target } = await setUp('slow');
    await slowSave(client, 30, 100); // about 3 s

    const controller = new AbortController();
    const seen: JobProgress[] = [];
    let reportedSaving: () => void = () => undefined;
    const saving = new Promise<void>((resolve) => (reportedSaving = resolve));
    const job = runActionDirectly(redisBgsave, target, {}, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.phase === 'saving' && (p.percent ?? 0) > 0) reportedSaving();
      },
    }).then(
      () => undefined,
      (err: Error) => err,
    );
    await saving;

    const second = await rejectionOf(runActionDirectly(redisBgsave, target, {}), ActionRejection);
    expect(second).toMatchObject({ status: 409, code: 'bgsave_in_progress' });

    controller.abort();
    expect((await job)?.message).toMatch(/cannot be stopped/);
    expect((await persistence(client)).inProgress).toBe(1);
    const saved = seen.find((p) => p.phase === 'saving' && (p.percent ?? 0) > 0);
    expect(saved?.detail).toMatchObject({ keysTotal: 30 });
    expect(saved?.percent).toBeLessThan(100);

    // The save the job left behind finishes on its own (the child took the delay with it when it forked).
    await eventually(async () => (await persistence(client)).inProgress === 0, 'the abandoned save to finish');
    expect((await persistence(client)).status).toBe('ok');
  });

  it('fails when a BGSAVE someone else started slips in between prepare and run', async () => {
    const { client, target } = await setUp('race');
    await slowSave(client, 10, 100);
    const prepared = await redisBgsave.prepare({ target, params: {}, dryRun: false, signal: new AbortController().signal, log: silentLogger });
    await client.bgsave();
    const run = redisBgsave.run({ target, plan: prepared.plan, dryRun: false, jobId: 'race', signal: new AbortController().signal, log: silentLogger, progress: () => undefined });
    await expect(run).rejects.toThrow(/Redis refused BGSAVE: .*already in progress/);
  });

  it('fails the job when Redis cannot write the snapshot, naming the last good one', async () => {
    const { server, client, target } = await setUp('broken');
    const before = await persistence(client);
    // Redis writes its dump into its working directory; once that is gone, the save fails even for root.
    const gone = join(server.directory, 'vanishing');
    await mkdir(gone);
    await client.call('CONFIG', 'SET', 'dir', gone);
    await rm(gone, { recursive: true });
    await client.set('k', 'v');

    await expect(runActionDirectly(redisBgsave, target, {})).rejects.toThrow(/background save failed \(rdb_last_bgsave_status:err\)/);
    expect(await persistence(client)).toMatchObject({ status: 'err', lastSave: before.lastSave });
    await client.call('CONFIG', 'SET', 'dir', server.directory);
  });

  it('takes no parameters', () => {
    expect(() => redisBgsave.params.parse({ background: 'yes' })).toThrow(ZodError);
  });
});
