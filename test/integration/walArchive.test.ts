/**
 * WAL archiving (pg_wal_archive, live) against scratch clusters with real
 * archive_commands: a failing one moves the failure counter, a working one
 * the archived counter, archiving off is said so, and a server that goes
 * away costs only its own collector.
 */
import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  walArchiveEnabled,
  walArchiveFailures,
  walArchiveLastFailure,
  walArchiveLastSuccess,
  walArchivePending,
  walArchived,
} from '../../exporter/src/collectors/pgWalArchive.js';
import { collectorSuccess, targetUp } from '../../exporter/src/metrics/exporterFamilies.js';
import {
  createScratchPrimary,
  eventually,
  harness,
  promtoolCheckMetrics,
  queryOnce,
  startTestExporter,
  temporaryDirectory,
  type PostgresCluster,
  type TestExporter,
} from '../harness/index.js';

type ScratchCluster = PostgresCluster & { destroy(): Promise<void> };

let exporter: TestExporter | undefined;
let cluster: ScratchCluster | undefined;

afterEach(async () => {
  await exporter?.close();
  await cluster?.destroy();
  exporter = undefined;
  cluster = undefined;
});

/** A directory the PostgreSQL server user may write (archive_command runs as that user). */
const serverWritableDirectory = (prefix: string) => temporaryDirectory(prefix, true);

/** Writes a little and switches to a new WAL segment, so the finished one is handed to the archiver. */
async function completeWalSegment(c: PostgresCluster): Promise<void> {
  await c.query('CREATE TABLE IF NOT EXISTS archive_probe (n int)');
  await c.query('INSERT INTO archive_probe SELECT generate_series(1, 100)');
  await c.query('SELECT pg_switch_wal()');
}

async function valueOf(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const { metrics } = await exporter!.scrape();
  return metrics.has(name, labels) ? metrics.value(name, labels) : undefined;
}

describe('WAL archiving', () => {
  it('a failing archive_command moves the failure counter and the last failure time, while WAL waits to be archived', async () => {
    cluster = await createScratchPrimary('archive-fails', { archive_mode: 'on', archive_command: 'exit 1' });
    exporter = await startTestExporter({ postgres: [{ name: 'failing', dsn: cluster.dsn() }] });
    const target = { target: 'failing' };

    await completeWalSegment(cluster);
    await eventually(async () => ((await valueOf(walArchiveFailures.name, target)) ?? 0) > 0, 'the first archive failure');
    const { metrics, text } = await exporter.scrape();
    expect(metrics.value(walArchived.name, target)).toBe(0);
    expect(metrics.has(walArchiveLastSuccess.name, target)).toBe(false);
    expect(metrics.value(walArchiveLastFailure.name, target)).toBeCloseTo(Date.now() / 1000, -2);
    expect(metrics.value(walArchivePending.name, target)).toBeGreaterThanOrEqual(1);
    expect(metrics.value(walArchiveEnabled.name, { ...target, archive_mode: 'on' })).toBe(1);
    expect(metrics.types.get(walArchiveFailures.name)).toBe('counter');
    expect((await promtoolCheckMetrics(text)).code).toBe(0);

    // Each new segment wakes the archiver, which tries (and fails) again.
    const failuresBefore = metrics.value(walArchiveFailures.name, target);
    await completeWalSegment(cluster);
    await eventually(async () => ((await valueOf(walArchiveFailures.name, target)) ?? 0) > failuresBefore, 'the failure counter to move again');
  });

  it('a working archive_command moves the archived counter and sets the last success time', async () => {
    const archive = await serverWritableDirectory('wal-archive-');
    cluster = await createScratchPrimary('archive-works', { archive_mode: 'on', archive_command: `test ! -f ${archive}/%f && cp %p ${archive}/%f` });
    exporter = await startTestExporter({ postgres: [{ name: 'archiving', dsn: cluster.dsn() }] });
    const target = { target: 'archiving' };
    const before = (await valueOf(walArchived.name, target)) ?? 0;

    await completeWalSegment(cluster);
    await eventually(async () => ((await valueOf(walArchived.name, target)) ?? 0) > before, 'archived_total to grow');
    await eventually(async () => (await valueOf(walArchivePending.name, target)) === 0, 'no WAL left waiting');
    const { metrics } = await exporter.scrape();
    expect(metrics.value(walArchiveLastSuccess.name, target)).toBeCloseTo(Date.now() / 1000, -2);
    expect(metrics.value(walArchiveFailures.name, target)).toBe(0);
    expect(metrics.has(walArchiveLastFailure.name, target)).toBe(false);
    expect((await readdir(archive)).length).toBeGreaterThanOrEqual(1);
  });

  it('says archiving is off on the harness primary, and not done by the standby, instead of looking healthy', async () => {
    const h = harness();
    exporter = await startTestExporter({
      postgres: [
        { name: 'primary', dsn: h.primary.dsn },
        { name: 'standby', dsn: h.standby.dsn },
      ],
    });
    const { metrics } = await exporter.scrape();
    expect(metrics.value(walArchiveEnabled.name, { target: 'primary', archive_mode: 'off' })).toBe(0);
    expect(metrics.value(walArchiveEnabled.name, { target: 'standby', archive_mode: 'off' })).toBe(0);
    expect(metrics.value(walArchived.name, { target: 'standby' })).toBe(0);
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_wal_archive', target: 'standby' })).toBe(1);
  });

  it('works for a role without pg_monitor, leaving out only the pending-files count', async () => {
    const h = harness();
    await queryOnce(h.primary.dsn, `DROP ROLE IF EXISTS upkeep_plain`);
    await queryOnce(h.primary.dsn, `CREATE ROLE upkeep_plain LOGIN`);
    exporter = await startTestExporter({
      postgres: [
        { name: 'plain', dsn: h.primary.dsn.replace('postgres@', 'upkeep_plain@') },
        { name: 'monitor', dsn: h.primary.dsn },
      ],
    });
    await exporter.firstScheduledRuns;
    const { metrics } = await exporter.scrape();
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_wal_archive', target: 'plain' })).toBe(1);
    expect(metrics.has(walArchived.name, { target: 'plain' })).toBe(true);
    expect(metrics.has(walArchivePending.name, { target: 'plain' })).toBe(false);
    expect(metrics.has(walArchivePending.name, { target: 'monitor' })).toBe(true);
    // No other collector needs more than a login either.
    const failing = metrics.find(collectorSuccess.name, { target: 'plain' }).filter((s) => s.value !== 1).map((s) => s.labels.collector);
    expect(failing).toEqual([]);
    await exporter.close();
    exporter = undefined;
    await queryOnce(h.primary.dsn, `DROP ROLE upkeep_plain`);
  });

  it('survives its server going away: the collector reports failure, the scrape and other targets carry on', async () => {
    cluster = await createScratchPrimary('archive-stops', { archive_mode: 'on', archive_command: 'exit 1' });
    exporter = await startTestExporter({
      postgres: [
        { name: 'doomed', dsn: cluster.dsn(), connectTimeoutSeconds: 2 },
        { name: 'primary', dsn: harness().primary.dsn },
      ],
    });
    expect(await valueOf(collectorSuccess.name, { collector: 'pg_wal_archive', target: 'doomed' })).toBe(1);
    await cluster.stop('immediate');

    const { status, metrics } = await exporter.scrape();
    expect(status).toBe(200);
    expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'doomed' })).toBe(0);
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_wal_archive', target: 'doomed' })).toBe(0);
    expect(metrics.has(walArchived.name, { target: 'doomed' })).toBe(false);
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_wal_archive', target: 'primary' })).toBe(1);
    expect(metrics.value(walArchived.name, { target: 'primary' })).toBe(0);
  });
});
