/**
 * Certificates in files: each `certificates.files[]` source's paths (files,
 * directories, globs; see targets/certificatePaths.ts) are expanded and
 * every file is read afresh on every run, so a renewal, a rename or a
 * symlink swap shows on the next run. Scheduled, because a glob over a slow
 * or hung mount has no place on the scrape path.
 *
 * Per run: one readdir per directory a glob walks, then per file one open,
 * fstat and read (at most MAX_FILE_BYTES), a few files at a time. A file
 * that cannot be read or parsed is a series with a reason and one log line
 * when its problem starts or changes; the run itself still succeeds, so
 * upkeep_collector_success stays about the collector, not about the files.
 */
import type { Logger } from '../log.js';
import { Limiter } from '../limiter.js';
import { TroubleLog } from '../troubleLog.js';
import { emitCertificates, emitEarliestExpiry, tlsCertNotAfter, tlsCertNotBefore, tlsEarliestCertExpiry, tlsFileError } from '../metrics/tlsFamilies.js';
import { readCertificateFile, type FileCertificate } from '../targets/certificateFileReader.js';
import { expandCertificatePaths, type CertificatePath } from '../targets/certificatePaths.js';
import type { CertificateFilesTarget } from '../targets/staticTargets.js';
import { scheduledCollector } from './types.js';
import { perTarget } from './perTarget.js';

/** Bounds one source: files read, bytes per file, certificates exported. */
export const MAX_FILES = 1000;
export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_CERTIFICATES = 5000;
/** Per file system call or file read: a hung mount fails its file, not the run. */
const FILE_TIMEOUT_MS = 5000;
/** libuv has four threads for file system calls by default; leave room for the rest of the exporter. */
const READ_CONCURRENCY = 2;

export interface FileProblem {
  path: string;
  reason: string;
  message: string;
}

/** Each path's problem logged when it starts or changes, and when it is gone. */
export class FileProblemLog {
  private readonly trouble: TroubleLog;

  constructor(prefix: string) {
    this.trouble = new TroubleLog({ started: `${prefix}.problem`, continuing: `${prefix}.still_failing`, ended: `${prefix}.problem_cleared` });
  }

  record(log: Logger, problems: readonly FileProblem[]): void {
    for (const problem of problems) this.trouble.record(log, problem.path, { path: problem.path }, problem);
    this.trouble.endAllBut(log, new Set(problems.map((p) => p.path)), (path) => ({ path }));
  }
}

const problemLogOf = perTarget((_target: CertificateFilesTarget) => new FileProblemLog('cert_file'));

/**
 * A directory or a glob (`live/*\/*.pem`) finds private keys beside the
 * certificates: `privkey.pem` holds no certificate, and a non-root exporter
 * may not read it. Neither is an error to report forever; a file named
 * explicitly still is.
 */
function isKeyBesideCertificates(origin: CertificatePath['origin'], reason: string): boolean {
  return origin !== 'named' && (reason === 'no_certificate' || reason === 'permission_denied');
}

export const certificateFiles = scheduledCollector({
  name: 'cert_files',
  description: 'Certificates in files, directories and globs (PEM bundles or DER): notAfter and notBefore of each, and the earliest expiry.',
  mode: 'scheduled',
  targetKind: 'cert_files',
  families: [tlsCertNotAfter, tlsCertNotBefore, tlsEarliestCertExpiry, tlsFileError],
  defaultSchedule: '*/5 * * * *',
  defaultTimeoutSeconds: 60,
  async collect({ target, emit, signal, log }) {
    const expanded = await expandCertificatePaths(target.config.paths, { maxFiles: MAX_FILES, operationTimeoutMs: FILE_TIMEOUT_MS, signal });
    const limiter = new Limiter(READ_CONCURRENCY);
    const readings = await Promise.all(
      expanded.files.map((file) =>
        limiter.run(async () => {
          signal.throwIfAborted();
          return readCertificateFile(file.path, { maxBytes: MAX_FILE_BYTES, timeoutMs: FILE_TIMEOUT_MS });
        }),
      ),
    );
    // Out of time: the framework discards this run.
    if (signal.aborted) return;

    const problems: FileProblem[] = [...expanded.problems];
    const all: FileCertificate[] = [];
    let overflowed = false;
    expanded.files.forEach((file, index) => {
      const reading = readings[index]!;
      if (reading.problem && !isKeyBesideCertificates(file.origin, reading.problem.reason)) problems.push({ path: file.path, ...reading.problem });
      if (reading.certificates.length === 0) return;
      const kept = reading.certificates.slice(0, MAX_CERTIFICATES - all.length);
      // Reported once, on the file where the budget ran out.
      if (kept.length < reading.certificates.length && all.length + kept.length === MAX_CERTIFICATES && !overflowed) {
        overflowed = true;
        problems.push({ path: file.path, reason: 'too_many_certificates', message: `more than ${MAX_CERTIFICATES} certificates: those from here on are not exported` });
      }
      emitCertificates(emit, 'file', file.path, kept);
      all.push(...kept);
    });
    emitEarliestExpiry(emit, 'file', all);

    // One series per path and reason, even if a path came up twice.
    const distinct = new Map(problems.map((p) => [`${p.path}\u0000${p.reason}`, p]));
    for (const problem of distinct.values()) emit(tlsFileError, { source: 'file', path: problem.path, reason: problem.reason }, 1);

    problemLogOf(target).record(log, [...distinct.values()]);
  },
});
