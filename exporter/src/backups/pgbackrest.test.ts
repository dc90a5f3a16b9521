/**
 * Reading `pgbackrest info --output=json` as pgBackRest 2.45 printed it
 * (test/fixtures/backups/pgbackrest). The real tool against a real cluster
 * is in test/integration/backups.test.ts; these pin the cases it cannot
 * produce cheaply (error flag, lock held, broken stanzas, foreign output).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { latestByKind } from './latestBackups.js';
import { parsePgbackrestInfo, pgbackrestArguments } from './pgbackrest.js';
import { BackupSourceError } from './sourceReading.js';

async function recorded(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(`../../../test/fixtures/backups/pgbackrest/${name}`, import.meta.url), 'utf8')) as unknown;
}

function parseError(run: () => unknown): BackupSourceError {
  try {
    run();
  } catch (err) {
    if (err instanceof BackupSourceError) return err;
    throw err;
  }
  throw new Error('expected parsing to fail');
}

// Labels and stop times of the recorded chain: full, then diff, then incr.
const FULL_STOP = 1795408674;
const DIFF_STOP = 1795408688;
const INCR_STOP = 1795408690;

describe('pgbackrest info', () => {
  it('is asked for one stanza as JSON, with console logging off so a configured log level cannot corrupt the JSON', () => {
    expect(pgbackrestArguments({ stanza: 'main', configFile: undefined })).toEqual(['--stanza=main', '--log-level-console=off', '--output=json', 'info']);
    expect(pgbackrestArguments({ stanza: 'main', configFile: '/etc/pgbackrest/main.conf' })).toEqual([
      '--config=/etc/pgbackrest/main.conf',
      '--stanza=main',
      '--log-level-console=off',
      '--output=json',
      'info',
    ]);
  });

  it('takes the newest backup of at least each kind: diff and incr are satisfied by anything newer', async () => {
    const reading = parsePgbackrestInfo(await recorded('info-full-diff-incr.json'), 'exp');
    expect(reading.backups.map((b) => b.type)).toEqual(['full', 'diff', 'incr']);
    const latest = latestByKind(reading);
    expect(latest.get('full')).toMatchObject({ finishedAt: FULL_STOP, startedAt: 1795408672, sizeBytes: 23213861 });
    expect(latest.get('diff')).toMatchObject({ finishedAt: DIFF_STOP, sizeBytes: 1851658 });
    expect(latest.get('incr')).toMatchObject({ finishedAt: INCR_STOP, sizeBytes: 1417482 });
    expect(reading.statusCode).toBe(0);
    expect(reading.backupInProgress).toBe(false);
    expect(reading.rejected.get('backup_error')).toBe(0);
  });

  it('does not count a backup flagged with errors, and reports a running backup', async () => {
    const reading = parsePgbackrestInfo(await recorded('info-incr-error-backup-running.json'), 'exp');
    expect(reading.backups.map((b) => b.type)).toEqual(['full', 'diff']);
    expect(reading.rejected.get('backup_error')).toBe(1);
    // The errored incr does not count: the newest incr-or-better is the diff.
    expect(latestByKind(reading).get('incr')?.finishedAt).toBe(DIFF_STOP);
    expect(reading.backupInProgress).toBe(true);
  });

  it('reads a stanza without valid backups as a source that is up and has none', async () => {
    const reading = parsePgbackrestInfo(await recorded('info-no-valid-backups.json'), 'exp');
    expect(reading.backups).toEqual([]);
    expect(reading.statusCode).toBe(2);
    expect([...latestByKind(reading).values()]).toEqual([undefined, undefined, undefined]);
  });

  it('marks the source down when the stanza cannot be read (missing stanza path: wrong name, or repository not mounted)', async () => {
    const output = await recorded('info-missing-stanza-path.json');
    const error = parseError(() => parsePgbackrestInfo(output, 'exp'));
    expect(error.reason).toBe('stanza_error');
    expect(error.statusCode).toBe(1);
    expect(error.message).toBe('pgbackrest stanza "exp": missing stanza path (status code 1)');
  });

  it('rejects output that is not pgBackRest\'s', async () => {
    expect(parseError(() => parsePgbackrestInfo({ stanzas: [] }, 'exp')).message).toBe('pgbackrest info did not print a JSON array of stanzas');
    expect(parseError(() => parsePgbackrestInfo(undefined, 'exp')).reason).toBe('invalid_output');
    const otherStanza = await recorded('info-full-diff-incr.json');
    expect(parseError(() => parsePgbackrestInfo(otherStanza, 'main')).message).toBe(
      'pgbackrest info did not list stanza "main"',
    );
    const broken = [{ name: 'exp', backup: [{ type: 'full', timestamp: { start: 'yesterday' } }], status: { code: 0, message: 'ok' } }];
    const error = parseError(() => parsePgbackrestInfo(broken, 'exp'));
    expect(error.reason).toBe('invalid_output');
    expect(error.message).toMatch(/^pgbackrest info for stanza "exp" is not in the expected shape \(backup\.0\.timestamp\.start: /);
  });
});
