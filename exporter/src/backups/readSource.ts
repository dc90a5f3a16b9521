/**
 * Reads one configured backup source of any kind. Never rejects: a source
 * that cannot be read is an outcome (down, with a reason), so one broken
 * repository affects only its own series.
 */
import type { BackupSourceConfig } from '../config/types.js';
import { errorMessage } from '../log.js';
import { readDumpDir } from './dumpDir.js';
import { readPgbackrest } from './pgbackrest.js';
import { BackupSourceError, type SourceErrorReason, type SourceReading } from './sourceReading.js';
import { readWalg } from './walg.js';

export type SourceOutcome =
  | { up: true; reading: SourceReading }
  | { up: false; reason: SourceErrorReason; message: string; statusCode?: number };

export async function readBackupSource(source: BackupSourceConfig, signal: AbortSignal): Promise<SourceOutcome> {
  try {
    return { up: true, reading: await readerFor(source.kind)(source, signal) };
  } catch (err) {
    if (err instanceof BackupSourceError) return { up: false, reason: err.reason, message: err.message, statusCode: err.statusCode };
    // Anything else is a bug or an unexpected system error; still only this source's problem.
    return { up: false, reason: 'unreadable', message: errorMessage(err) };
  }
}

type Reader = (source: BackupSourceConfig, signal: AbortSignal) => Promise<SourceReading>;

function readerFor(kind: BackupSourceConfig['kind']): Reader {
  switch (kind) {
    case 'dump-dir':
      return readDumpDir;
    case 'pgbackrest':
      return readPgbackrest;
    case 'walg':
      return readWalg;
  }
}
