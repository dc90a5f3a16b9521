/**
 * Replication metrics with real effects, on a primary and standby of the
 * test's own (it pauses replay and stops servers): lag grows while replay is
 * paused and falls back after resume; stopping either end shows; an idle slot
 * retains WAL; the heartbeat crosses to the standby.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  replicationLagBytes,
  replicationLagSeconds,
  replicationStandbys,
  slotActive,
  slotInfo,
  slotRetainedBytes,
  standbyLastReplay,
  standbyReceiveLsn,
  standbyReplayLsn,
  walPositionBytes,
  walReceiverLastMessage,
  walReceiverUp,
} from '../../exporter/src/collectors/pgReplication.js';
import { heartbeatTimestamp } from '../../exporter/src/collectors/pgHeartbeat.js';
import { collectorSuccess } from '../../exporter/src/metrics/exporterFamilies.js';
import { createScratchPrimary, eventually, harness, PostgresCluster, startTestExporter, type ParsedMetrics, type TestExporter } from '../harness/index.js';
import { removeDirectory } from '../harness/postgresCluster.js';

const STANDBY = 'replica-a';

let primary: Awaited<ReturnType<typeof createScratchPrimary>>;
let standby: PostgresCluster;
let standbyDir: string;
let exporter: TestExporter;

async function metrics(): Promise<ParsedMetrics> {
  return (await exporter.scrape()).metrics;
}

/** Some WAL on the primary: `n` small transactions. */
async function write(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await primary.query(`INSERT INTO churn (payload) SELECT repeat('x', 200) FROM generate_series(1, 200)`);
}

beforeAll(async () => {
  // Logical WAL too: a logical replication sender must not pass for a standby.
  primary = await createScratchPrimary('replication', { wal_level: 'logical' });
  await primary.query('CREATE TABLE churn (id bigserial PRIMARY KEY, payload text)');
  await primary.query(`SELECT pg_create_physical_replication_slot('idle_slot', true)`);
  standbyDir = await mkdtemp(join(harness().runDir, 'scratch-replica-'));
  standby = await PostgresCluster.createStandby(primary, STANDBY, { directory: standbyDir });
  const heartbeat = { table: 'public.upkeep_heartbeat', intervalSeconds: 1 };
  exporter = await startTestExporter({
    postgres: [
      { name: 'main', dsn: primary.dsn(), heartbeat },
      { name: 'replica', dsn: standby.dsn(), heartbeat },
    ],
  });
  await eventually(async () => (await metrics()).value(replicationStandbys.name, { target: 'main' }) === 1, 'the standby streaming');
}, 120_000);

afterAll(async () => {
  await exporter?.close();
  if (standby && (await standby.isRunning())) await standby.stop('immediate');
  await removeDirectory(standbyDir);
  await primary?.destroy();
});

describe('replication', () => {
  it('describes the stream from both ends', async () => {
    await eventually(async () => (await metrics()).has(heartbeatTimestamp.name, { target: 'replica' }), 'the heartbeat on the standby');
    const m = await metrics();
    const labels = { target: 'main', standby: STANDBY, client_addr: '127.0.0.1', state: 'streaming', sync_state: 'async' };
    for (const kind of ['write', 'flush', 'replay']) expect(m.value(replicationLagSeconds.name, { ...labels, kind })).toBeGreaterThanOrEqual(0);
    expect(m.value(replicationLagBytes.name, labels)).toBeGreaterThanOrEqual(0);
    expect(m.value(walPositionBytes.name, { target: 'main' })).toBeGreaterThan(0);

    expect(m.value(walReceiverUp.name, { target: 'replica' })).toBe(1);
    expect(m.value(standbyReceiveLsn.name, { target: 'replica' })).toBeGreaterThan(0);
    expect(m.value(standbyReplayLsn.name, { target: 'replica' })).toBeGreaterThan(0);
    expect(m.value(standbyLastReplay.name, { target: 'replica' })).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(m.value(walReceiverLastMessage.name, { target: 'replica' })).toBeGreaterThan(Date.now() / 1000 - 60);
    // Standby-side series only exist on a standby, and the standby streams to nobody.
    expect(m.has(walReceiverUp.name, { target: 'main' })).toBe(false);
    expect(m.value(replicationStandbys.name, { target: 'replica' })).toBe(0);

    // The heartbeat is written on the primary and read on both, within a few seconds of now.
    for (const target of ['main', 'replica']) expect(m.value(heartbeatTimestamp.name, { target })).toBeGreaterThan(Date.now() / 1000 - 10);

    expect(m.value(slotActive.name, { target: 'main', slot: 'idle_slot' })).toBe(0);
    expect(m.value(slotInfo.name, { target: 'main', slot: 'idle_slot', slot_type: 'physical', database: '', wal_status: 'reserved' })).toBe(1);
  });

  it('does not count a logical replication sender as a standby', async () => {
    await primary.query(`SELECT pg_create_logical_replication_slot('decoder', 'test_decoding')`);
    const receiver = spawn(
      join(harness().postgresBinDir, 'pg_recvlogical'),
      ['-h', primary.host, '-p', String(primary.port), '-U', 'postgres', '-d', 'postgres', '--slot', 'decoder', '--start', '-f', '/dev/null'],
      { stdio: 'ignore' },
    );
    try {
      await eventually(async () => {
        const [row] = await primary.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_replication`);
        return row!.n === 2;
      }, 'pg_recvlogical streaming beside the standby');
      const m = await metrics();
      expect(m.value(replicationStandbys.name, { target: 'main' })).toBe(1);
      expect(m.find(replicationLagBytes.name, { target: 'main' }).map((s) => s.labels.standby)).toEqual([STANDBY]);
      expect(m.value(slotActive.name, { target: 'main', slot: 'decoder' })).toBe(1);
    } finally {
      receiver.kill();
      await eventually(async () => {
        const [row] = await primary.query<{ active: boolean }>(`SELECT active FROM pg_replication_slots WHERE slot_name = 'decoder'`);
        return row?.active === false;
      }, 'pg_recvlogical gone');
      // A logical slot holds WAL back: drop it so the rest of the test is not affected.
      await primary.query(`SELECT pg_drop_replication_slot('decoder')`);
    }
  });

  it('shows lag growing while replay is paused and falling back after resume', async () => {
    const before = await metrics();
    const retainedBefore = before.value(slotRetainedBytes.name, { target: 'main', slot: 'idle_slot' });
    await standby.query('SELECT pg_wal_replay_pause()');
    try {
      await write(20);
      const labels = { target: 'main', standby: STANDBY, client_addr: '127.0.0.1', state: 'streaming', sync_state: 'async' };
      await eventually(async () => {
        const m = await metrics();
        return m.value(replicationLagBytes.name, labels) > 500_000 && m.value(replicationLagSeconds.name, { ...labels, kind: 'replay' }) > 1;
      }, 'replay lag in bytes and seconds growing on the primary');
      const paused = await metrics();
      // The standby receives but does not replay: its two positions part.
      expect(paused.value(standbyReceiveLsn.name, { target: 'replica' }) - paused.value(standbyReplayLsn.name, { target: 'replica' })).toBeGreaterThan(500_000);
      // The heartbeat stands still on the standby while the primary's keeps moving.
      await eventually(async () => {
        const m = await metrics();
        return m.value(heartbeatTimestamp.name, { target: 'main' }) - m.value(heartbeatTimestamp.name, { target: 'replica' }) > 2;
      }, 'the heartbeat falling behind on the paused standby');
      // An inactive slot holds on to all WAL written since.
      expect(paused.value(slotRetainedBytes.name, { target: 'main', slot: 'idle_slot' })).toBeGreaterThan(retainedBefore + 500_000);
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }
    const labels = { target: 'main', standby: STANDBY, client_addr: '127.0.0.1', state: 'streaming', sync_state: 'async' };
    await eventually(
      async () => {
        const m = await metrics();
        return (
          m.value(replicationLagBytes.name, labels) < 100_000 &&
          m.value(replicationLagSeconds.name, { ...labels, kind: 'replay' }) < 1 &&
          m.value(standbyReceiveLsn.name, { target: 'replica' }) - m.value(standbyReplayLsn.name, { target: 'replica' }) < 100_000
        );
      },
      'lag falling back after resume',
      30_000,
    );
  });

  it('shows a stopped standby on the primary, and a stopped primary on the standby', async () => {
    await standby.stop('fast');
    let m = await metrics();
    expect(m.value(replicationStandbys.name, { target: 'main' })).toBe(0);
    expect(m.has(replicationLagBytes.name, { target: 'main', standby: STANDBY })).toBe(false);
    expect(m.value(collectorSuccess.name, { collector: 'pg_replication', target: 'replica' })).toBe(0);
    expect(m.value(collectorSuccess.name, { collector: 'pg_replication', target: 'main' })).toBe(1);

    await standby.start();
    await eventually(async () => (await metrics()).value(replicationStandbys.name, { target: 'main' }) === 1, 'the standby streaming again');

    await primary.stop('fast');
    try {
      await eventually(async () => (await metrics()).value(walReceiverUp.name, { target: 'replica' }) === 0, 'the receiver down on the standby');
      m = await metrics();
      expect(m.value(collectorSuccess.name, { collector: 'pg_replication', target: 'replica' })).toBe(1);
      expect(m.value(collectorSuccess.name, { collector: 'pg_replication', target: 'main' })).toBe(0);
    } finally {
      await primary.start();
    }
  });
});
