/**
 * The disk collectors against real filesystems and servers: configured
 * paths compared with `df`, the harness primary's data directory and WAL
 * found from data_directory, a dump-dir backup directory, a path that does
 * not exist, and a scratch server reached three ways — through a Unix
 * socket (local), through this machine's non-loopback address (treated as
 * remote) — with its WAL moved to another filesystem behind a symlink.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { disk } from '../../exporter/src/collectors/disk.js';
import { pgDisk } from '../../exporter/src/collectors/pgDisk.js';
import { collectorSuccess } from '../../exporter/src/metrics/exporterFamilies.js';
import {
  diskAvail,
  diskFamilies,
  diskFiles,
  diskFilesFree,
  diskFree,
  diskProbeError,
  diskProbeSuccess,
  diskReadonly,
  diskSize,
} from '../../exporter/src/metrics/diskFamilies.js';
import {
  createScratchPrimary,
  harness,
  makeServerOwnedDirectory,
  promtoolCheckMetrics,
  queryOnce,
  startTestExporter,
  temporaryDirectory,
  type ParsedMetrics,
  type TestExporter,
} from '../harness/index.js';

const run = promisify(execFile);

/** Other test files write WAL and dumps on the same disks between our scrape and `df`. */
const FREE_DRIFT_BYTES = 256 * 1024 * 1024;
const INODE_DRIFT = 10_000;

interface DfRow {
  size: number;
  used: number;
  avail: number;
  itotal: number;
  iavail: number;
  target: string;
}

async function df(path: string): Promise<DfRow> {
  const { stdout } = await run('df', ['-B1', '--output=size,used,avail,itotal,iavail,target', path], { env: { ...process.env, LC_ALL: 'C' } });
  const line = stdout.trim().split('\n')[1] ?? '';
  const [size, used, avail, itotal, iavail, ...target] = line.trim().split(/\s+/);
  return { size: Number(size), used: Number(used), avail: Number(avail), itotal: Number(itotal), iavail: Number(iavail), target: target.join(' ') };
}

/** The sample's labels and values for one path, as the exposition shows them. */
function reading(metrics: ParsedMetrics, labels: Record<string, string>) {
  const [size] = metrics.find(diskSize.name, labels);
  if (!size) throw new Error(`no ${diskSize.name} for ${JSON.stringify(labels)}`);
  const full = size.labels;
  return {
    path: full.path,
    mountpoint: full.mountpoint,
    size: size.value,
    free: metrics.value(diskFree.name, full),
    avail: metrics.value(diskAvail.name, full),
    files: metrics.value(diskFiles.name, full),
    filesFree: metrics.value(diskFilesFree.name, full),
    readonly: metrics.value(diskReadonly.name, full),
  };
}

function expectLikeDf(actual: ReturnType<typeof reading>, expected: DfRow): void {
  expect(actual.mountpoint).toBe(expected.target);
  expect(actual.size).toBe(expected.size);
  // df's "used" is size minus free (blocks − bfree).
  expect(Math.abs(actual.free - (expected.size - expected.used))).toBeLessThanOrEqual(FREE_DRIFT_BYTES);
  expect(Math.abs(actual.avail - expected.avail)).toBeLessThanOrEqual(FREE_DRIFT_BYTES);
  expect(actual.avail).toBeLessThanOrEqual(actual.free);
  expect(Math.abs(actual.files - expected.itotal)).toBeLessThanOrEqual(INODE_DRIFT);
  expect(Math.abs(actual.filesFree - expected.iavail)).toBeLessThanOrEqual(INODE_DRIFT);
}

let exporter: TestExporter | undefined;

afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});

describe('configured disk paths (collector disk)', () => {
  it('the temp directory and the root filesystem read as df reads them, writable, in families promtool accepts', async () => {
    exporter = await startTestExporter({
      disks: [
        { name: 'tmp', path: tmpdir() },
        { name: 'root', path: '/' },
      ],
    });
    const { metrics, text } = await exporter.scrape();
    const [tmpDf, rootDf] = await Promise.all([df(tmpdir()), df('/')]);

    for (const [target, path, expected] of [
      ['tmp', tmpdir(), tmpDf],
      ['root', '/', rootDf],
    ] as const) {
      const labels = { target, role: 'configured' };
      const actual = reading(metrics, labels);
      expect(actual.path).toBe(path);
      expectLikeDf(actual, expected);
      // The tests write here: it is not read-only.
      expect(actual.readonly).toBe(0);
      expect(metrics.value(diskProbeSuccess.name, { ...labels, path })).toBe(1);
      expect(metrics.has(diskProbeError.name, labels)).toBe(false);
      expect(metrics.value(collectorSuccess.name, { collector: disk.name, target })).toBe(1);
    }
    for (const family of diskFamilies) expect(family.type).toBe('gauge');
    expect(metrics.types.get(diskSize.name)).toBe('gauge');
    expect((await promtoolCheckMetrics(text)).code).toBe(0);
  });

  it('a path that does not exist is probe_success 0 with reason not_found, logged once, and the collector still succeeds', async () => {
    const missing = join(harness().runDir, 'no-such-directory', 'deeper');
    exporter = await startTestExporter({ disks: [{ name: 'missing', path: missing }] });
    for (let i = 0; i < 3; i += 1) {
      const { metrics } = await exporter.scrape();
      const labels = { target: 'missing', path: missing, role: 'configured' };
      expect(metrics.value(diskProbeSuccess.name, labels)).toBe(0);
      expect(metrics.value(diskProbeError.name, { ...labels, reason: 'not_found' })).toBe(1);
      expect(metrics.has(diskSize.name, { target: 'missing' })).toBe(false);
      expect(metrics.value(collectorSuccess.name, { collector: disk.name, target: 'missing' })).toBe(1);
    }
    const failures = exporter.captured.events('disk.probe_failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ path: missing, role: 'configured', reason: 'not_found' });
  });
});

describe('the harness primary (collector pg_disk)', () => {
  it('finds the data directory from data_directory and reports it with role data, its pg_wal with role wal, and the dump directory with role backup', async () => {
    const { primary } = harness();
    const backupDir = await temporaryDirectory('disk-backups-');
    exporter = await startTestExporter({
      postgres: [{ name: 'primary', dsn: primary.dsn }],
      backups: [{ name: 'dumps', target: 'primary', kind: 'dump-dir', path: backupDir }],
    });
    const { metrics, text } = await exporter.scrape();
    const [{ data_directory: dataDirectory }] = (await queryOnce<{ data_directory: string }>(primary.dsn, "SELECT current_setting('data_directory') AS data_directory")) as [
      { data_directory: string },
    ];
    expect(dataDirectory).toBe(primary.dataDir);

    const data = reading(metrics, { target: 'primary', role: 'data' });
    expect(data.path).toBe(dataDirectory);
    expectLikeDf(data, await df(dataDirectory));
    const wal = reading(metrics, { target: 'primary', role: 'wal' });
    expect(wal.path).toBe(join(dataDirectory, 'pg_wal'));
    expectLikeDf(wal, await df(join(dataDirectory, 'pg_wal')));
    const backup = reading(metrics, { target: 'primary', role: 'backup' });
    expect(backup.path).toBe(backupDir);
    expectLikeDf(backup, await df(backupDir));

    for (const role of ['data', 'wal', 'backup']) expect(metrics.value(diskProbeSuccess.name, { target: 'primary', role })).toBe(1);
    expect(metrics.value(collectorSuccess.name, { collector: pgDisk.name, target: 'primary' })).toBe(1);
    expect(exporter.captured.events('pg_disk.data_directory_local')).toEqual([expect.objectContaining({ dataDirectory })]);
    expect((await promtoolCheckMetrics(text)).code).toBe(0);
    await rm(backupDir, { recursive: true, force: true });
  });
});

/** This machine's first non-loopback IPv4 address: a way to reach a local server that looks remote. */
function externalAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
  if (address === undefined) throw new Error('this test needs a network interface with a non-loopback IPv4 address');
  return address;
}

describe('a scratch server reached through a Unix socket and through a non-loopback address, WAL on another filesystem', () => {
  let cluster: Awaited<ReturnType<typeof createScratchPrimary>>;
  let socketDir: string;
  let walParent: string;
  let address: string;

  beforeAll(async () => {
    address = externalAddress();
    socketDir = await temporaryDirectory('disk-socket-', true);
    cluster = await createScratchPrimary('disk', { listen_addresses: `127.0.0.1,${address}`, unix_socket_directories: socketDir });
    await appendFile(join(cluster.dataDir, 'pg_hba.conf'), `host all all ${address}/32 trust\n`);
    // pg_wal moved to /dev/shm (tmpfs) behind a symlink, the way initdb --waldir puts it on its own disk.
    await cluster.stop();
    walParent = await mkdtemp('/dev/shm/upkeep-wal-');
    await makeServerOwnedDirectory(walParent);
    await run('mv', [join(cluster.dataDir, 'pg_wal'), join(walParent, 'pg_wal')]);
    await symlink(join(walParent, 'pg_wal'), join(cluster.dataDir, 'pg_wal'));
    await cluster.start();
    await cluster.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  });

  afterAll(async () => {
    await cluster?.destroy();
    if (walParent) await rm(walParent, { recursive: true, force: true });
  });

  it('through the socket: data and WAL on their own mounts, data_directory asked once for several scrapes', async () => {
    const [dataDf, walDf] = await Promise.all([df(cluster.dataDir), df(join(walParent, 'pg_wal'))]);
    // The point of the test: two filesystems, told apart only through the symlink.
    expect(walDf.target).not.toBe(dataDf.target);

    exporter = await startTestExporter({ postgres: [{ name: 'socket', dsn: `postgresql://postgres@${encodeURIComponent(socketDir)}:${cluster.port}/postgres` }] });
    let metrics: ParsedMetrics | undefined;
    for (let i = 0; i < 3; i += 1) ({ metrics } = await exporter.scrape());

    const data = reading(metrics!, { target: 'socket', role: 'data' });
    expect(data.path).toBe(cluster.dataDir);
    expectLikeDf(data, dataDf);
    const wal = reading(metrics!, { target: 'socket', role: 'wal' });
    expect(wal.path).toBe(join(cluster.dataDir, 'pg_wal'));
    expectLikeDf(wal, walDf);

    // pg_disk's own statement (other collectors read data_directory their own way).
    const [calls] = await cluster.query<{ calls: string }>(
      `SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements WHERE query LIKE '%current_setting($1) AS data_directory%'`,
    );
    expect(Number(calls?.calls)).toBe(1);
  });

  it('through the non-loopback address: no data or WAL series, one log line saying why, the backup directory still reported', async () => {
    const backupDir = await temporaryDirectory('disk-remote-backups-');
    exporter = await startTestExporter({
      postgres: [{ name: 'network', dsn: `postgresql://postgres@${address}:${cluster.port}/postgres` }],
      backups: [{ name: 'dumps', target: 'network', kind: 'dump-dir', path: backupDir }],
    });
    for (let i = 0; i < 2; i += 1) {
      const { metrics } = await exporter.scrape();
      expect(metrics.value(collectorSuccess.name, { collector: pgDisk.name, target: 'network' })).toBe(1);
      expect(metrics.find(diskSize.name, { target: 'network' }).map((s) => s.labels.role)).toEqual(['backup']);
      expect(metrics.find(diskProbeSuccess.name, { target: 'network' }).map((s) => s.labels.role)).toEqual(['backup']);
    }
    expect(exporter.captured.events('pg_disk.data_directory_not_local')).toEqual([expect.objectContaining({ reason: 'remote_host' })]);
    await rm(backupDir, { recursive: true, force: true });
  });
});
