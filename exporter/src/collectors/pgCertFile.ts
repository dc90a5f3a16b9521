/**
 * The certificate file PostgreSQL is configured to serve (`ssl_cert_file`),
 * read from disk when the exporter runs on the database host: it shows a
 * renewed file before the server reloads it, where pg_tls shows what the
 * server serves now. A relative ssl_cert_file is relative to data_directory.
 *
 * Whether the server is this host's is decided as for its disks
 * (targets/dataDirectoryLocality.ts: a loopback or Unix-socket DSN, and a
 * postmaster.pid in data_directory describing the running server). When
 * that cannot be verified, the file is not read: a loopback port may be a
 * tunnel to another machine, and a certificate found here would then be the
 * wrong one. A server elsewhere or unverified, TLS off, a file that cannot
 * be read from here: nothing is emitted, and the situation is logged once. A file that is read but broken is
 * upkeep_tls_file_error_info{source="postgres_file"}.
 *
 * Per run: one query on pg_settings (none for a remote DSN), one small read
 * of postmaster.pid, one read of the certificate file.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from '../log.js';
import {
  emitCertificates,
  emitEarliestExpiry,
  tlsCertNotAfter,
  tlsCertNotBefore,
  tlsEarliestCertExpiry,
  tlsFileError,
  tlsLeafCertExpiry,
} from '../metrics/tlsFamilies.js';
import { readCertificateFile, type CertificateFileReading } from '../targets/certificateFileReader.js';
import { decideLocality } from '../targets/dataDirectoryLocality.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { filesystemGuard } from '../targets/filesystem.js';
import { situationChanges } from './perTarget.js';
import { scheduledCollector } from './types.js';

const MAX_FILE_BYTES = 1024 * 1024;
const FILE_TIMEOUT_MS = 5000;

interface SettingsRow {
  ssl: string | null;
  cert_file: string | null;
  data_directory: string | null;
  port: number;
  started: number;
}

/** Hidden settings (data_directory needs pg_read_all_settings) come back NULL instead of failing the query. */
const SETTINGS_SQL = `
SELECT (SELECT setting FROM pg_settings WHERE name = 'ssl') AS ssl,
       (SELECT setting FROM pg_settings WHERE name = 'ssl_cert_file') AS cert_file,
       (SELECT setting FROM pg_settings WHERE name = 'data_directory') AS data_directory,
       current_setting('port')::int AS port,
       extract(epoch FROM pg_postmaster_start_time())::float8 AS started`;

/** decideLocality knows a hidden data_directory by SQLSTATE 42501; pg_settings hides the row instead of raising it. */
function hiddenDataDirectory(): Error {
  return Object.assign(new Error('data_directory is not visible to the exporter\'s role'), { code: '42501' });
}

type Situation =
  | { kind: 'ssl_off' }
  | { kind: 'location_unknown'; detail: string }
  | { kind: 'not_local'; detail: string }
  | { kind: 'not_readable'; path: string; reason: string; detail: string }
  | { kind: 'read'; path: string; reading: CertificateFileReading };

/** The last situation logged per target, so each is logged once when it starts. */
const changed = situationChanges<PostgresTarget>();

function logSituation(target: PostgresTarget, situation: Situation, log: Logger): void {
  const fields = situationFields(situation);
  if (!changed(target, JSON.stringify(fields))) return;
  const broken = situation.kind === 'read' && situation.reading.problem !== undefined;
  if (broken) log.warn(`pg_cert_file.problem`, fields);
  else log.info(`pg_cert_file.${situation.kind}`, fields);
}

function situationFields(situation: Situation): Record<string, unknown> {
  switch (situation.kind) {
    case 'ssl_off':
      return { message: 'ssl is off: the server serves no certificate' };
    case 'location_unknown':
    case 'not_local':
      return { message: situation.detail };
    case 'not_readable':
      return { path: situation.path, reason: situation.reason, message: situation.detail };
    case 'read': {
      const { certificates, problem } = situation.reading;
      return {
        path: situation.path,
        certificates: certificates.length,
        leaf: certificates[0]?.fingerprint256,
        reason: problem?.reason,
        error: problem?.message,
      };
    }
  }
}

/** Reasons that mean "the file cannot be read from here", as opposed to "read, and broken". */
const NOT_READABLE = new Set(['not_found', 'permission_denied', 'not_a_file', 'timeout', 'unreadable']);

async function locate(target: PostgresTarget): Promise<Situation> {
  const read: { row?: SettingsRow } = {};
  const locality = await decideLocality(
    target.config.dsn,
    async () => {
      const { rows } = await target.query<SettingsRow>(SETTINGS_SQL);
      const row = rows[0];
      if (!row) throw new Error('the settings query returned no row');
      read.row = row;
      if (row.data_directory === null) throw hiddenDataDirectory();
      return { dataDirectory: row.data_directory, port: row.port, startedAt: row.started };
    },
    (path) => filesystemGuard.run(`read:${path}`, () => readFile(path, 'utf8'), FILE_TIMEOUT_MS),
  );
  // Only a server proven to be this host's: a loopback port may be a tunnel
  // to another machine, whose certificate is not the file found here.
  if (!locality.local) return { kind: 'not_local', detail: locality.message };
  const row = read.row;
  if (!row) return { kind: 'not_local', detail: 'no server settings' };
  if (row.ssl !== 'on') return { kind: 'ssl_off' };
  if (row.cert_file === null) return { kind: 'location_unknown', detail: 'ssl_cert_file is not visible to the exporter\'s role (grant pg_read_all_settings)' };
  const base = locality.dataDirectory;
  if (base === null && !isAbsolute(row.cert_file)) {
    return { kind: 'location_unknown', detail: `ssl_cert_file "${row.cert_file}" is relative to data_directory, which the exporter's role may not see (grant pg_read_all_settings)` };
  }
  const path = base === null ? row.cert_file : resolve(base, row.cert_file);
  const reading = await readCertificateFile(path, { maxBytes: MAX_FILE_BYTES, timeoutMs: FILE_TIMEOUT_MS });
  if (reading.problem && NOT_READABLE.has(reading.problem.reason)) {
    return { kind: 'not_readable', path, reason: reading.problem.reason, detail: reading.problem.message };
  }
  return { kind: 'read', path, reading };
}

export const pgCertFile = scheduledCollector({
  name: 'pg_cert_file',
  description: "The server's ssl_cert_file read from disk, when the server runs on the exporter's host: expiry of each certificate in it.",
  mode: 'scheduled',
  targetKind: 'postgres',
  families: [tlsCertNotAfter, tlsCertNotBefore, tlsEarliestCertExpiry, tlsLeafCertExpiry, tlsFileError],
  defaultSchedule: '*/5 * * * *',
  defaultTimeoutSeconds: 15,
  async collect({ target, emit, log }) {
    const situation = await locate(target);
    logSituation(target, situation, log);
    if (situation.kind !== 'read') return;
    const { path, reading } = situation;
    const source = 'postgres_file';
    emitCertificates(emit, source, path, reading.certificates);
    // The server's own certificate comes first in ssl_cert_file, its issuers after it.
    const leaf = reading.certificates[0];
    if (leaf?.position === 0) emit(tlsLeafCertExpiry, { source }, leaf.notAfter);
    emitEarliestExpiry(emit, source, reading.certificates);
    if (reading.problem) emit(tlsFileError, { source, path, reason: reading.problem.reason }, 1);
  },
});
