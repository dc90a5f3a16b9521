/**
 * Reading `wal-g backup-list --json --detail` in the shapes WAL-G releases
 * print (test/fixtures/backups/walg; WAL-G is not installed here).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { latestByKind } from './latestBackups.js';
import { BackupSourceError } from './sourceReading.js';
import { parseWalgBackupList, walgArguments } from './walg.js';

async function listing(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(`../../../test/fixtures/backups/walg/${name}`, import.meta.url), 'utf8')) as unknown;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

function parseError(output: unknown): BackupSourceError {
  try {
    parseWalgBackupList(output);
  } catch (err) {
    if (err instanceof BackupSourceError) return err;
    throw err;
  }
  throw new Error('expected parsing to fail');
}

describe('wal-g backup-list', () => {
  it('is asked for the detailed JSON listing, with the config file when one is set', () => {
    expect(walgArguments({ configFile: undefined })).toEqual(['backup-list', '--json', '--detail']);
    expect(walgArguments({ configFile: '/etc/wal-g/main.json' })).toEqual(['--config', '/etc/wal-g/main.json', 'backup-list', '--json', '--detail']);
  });

  it('tells delta from full backups by name and takes finish_time, start_time and compressed_size from the detail', async () => {
    const reading = parseWalgBackupList(await listing('backup-list-detail.json'));
    expect(reading.backups.map((b) => b.type)).toEqual(['delta', 'full', 'full']);
    const latest = latestByKind(reading);
    expect(latest.get('full')).toEqual({
      type: 'full',
      finishedAt: seconds('2025-03-03T02:05:39.217654Z'),
      startedAt: seconds('2025-03-03T02:00:01.402211Z'),
      sizeBytes: 734003200,
      verifiedAt: undefined,
    });
    // delta is satisfied by anything at least as new; here the delta itself.
    expect(latest.get('delta')).toMatchObject({ type: 'delta', finishedAt: seconds('2025-03-04T02:01:11.930442Z'), sizeBytes: 35651584 });
  });

  it('falls back to the storage time where an older release left the metadata times at Go\'s zero time', async () => {
    const [full, delta] = parseWalgBackupList(await listing('backup-list-detail-older-release.json')).backups;
    expect(full).toEqual({ type: 'full', finishedAt: seconds('2019-06-10T01:30:44Z'), startedAt: undefined, sizeBytes: undefined, verifiedAt: undefined });
    expect(delta).toMatchObject({ type: 'delta', finishedAt: seconds('2019-06-11T01:20:08.25Z'), startedAt: seconds('2019-06-11T01:18:00.5Z') });
  });

  it('reads a listing without --detail from its storage times', async () => {
    const reading = parseWalgBackupList(await listing('backup-list-plain.json'));
    expect(latestByKind(reading).get('delta')).toMatchObject({ type: 'delta', finishedAt: seconds('2025-03-03T02:01:30.5Z'), startedAt: undefined });
  });

  it('reads nothing, null and [] as a repository without backups', () => {
    for (const empty of [undefined, null, []]) {
      const reading = parseWalgBackupList(empty);
      expect(reading.backups).toEqual([]);
      expect([...latestByKind(reading).keys()]).toEqual(['full', 'delta']);
    }
  });

  it('rejects output it cannot read instead of guessing', () => {
    expect(parseError({ backups: [] }).message).toBe('wal-g backup-list did not print a JSON array');
    expect(parseError([{ name: 'base_000000010000000000000002' }]).message).toMatch(/entry 0 has no backup_name/);
    expect(parseError([{ backup_name: 'base_000000010000000000000002', time: 'soon' }]).message).toBe(
      'wal-g backup-list entry base_000000010000000000000002 has neither a finish_time nor a time',
    );
  });
});
