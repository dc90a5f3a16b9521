/**
 * Reads the certificates of one file: a PEM bundle (each CERTIFICATE block
 * in turn; keys and other blocks beside them are skipped) or a single DER
 * certificate. Every call opens the path afresh, so a file replaced by a
 * symlink swap or a rename is read as it is now, never from a cache.
 *
 * Reading is bounded: a size limit, a time limit, and an open that cannot
 * block (a FIFO where a file is expected would otherwise wait for a writer
 * forever, holding one of libuv's few threads). A problem comes back as a
 * reason from a fixed set, with the full message for the log.
 */
import { X509Certificate } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { TimeoutError } from '../timeout.js';
import { FilesystemCallError, filesystemGuard } from './filesystem.js';
import { certificateFacts, type CertificateFacts } from './certificateFacts.js';

export type CertificateFileProblemReason =
  | 'not_found'
  | 'permission_denied'
  | 'not_a_file'
  | 'too_large'
  | 'timeout'
  | 'unreadable'
  | 'empty'
  | 'no_certificate'
  | 'unparsable';

export interface CertificateFileProblem {
  reason: CertificateFileProblemReason;
  message: string;
}

/** A certificate read from a file: `position` is its place among the file's certificates (other PEM blocks do not count). */
export type FileCertificate = CertificateFacts;

export interface CertificateFileReading {
  /** What could be read; with a problem, the certificates before and after a bad block. */
  certificates: FileCertificate[];
  problem?: CertificateFileProblem;
}

export interface ReadOptions {
  maxBytes: number;
  timeoutMs: number;
}

export async function readCertificateFile(path: string, options: ReadOptions): Promise<CertificateFileReading> {
  let content: Buffer | CertificateFileProblem;
  try {
    // Through the process-wide filesystem guard: a file on a hung mount must
    // not take more of libuv's threads than the guard allows.
    content = await filesystemGuard.run(`read-certificate:${path}`, () => readBounded(path, options.maxBytes), options.timeoutMs);
  } catch (error) {
    return { certificates: [], problem: await describeFileError(path, error) };
  }
  if (!Buffer.isBuffer(content)) return { certificates: [], problem: content };
  return parseCertificates(content);
}

/**
 * The file's bytes, or why it is not a file to read. The handle is closed
 * however this ends, also after the caller stopped waiting (timeout).
 */
async function readBounded(path: string, maxBytes: number): Promise<Buffer | CertificateFileProblem> {
  // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer;
  // a regular file ignores the flag.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { reason: 'not_a_file', message: `${path} is ${kindOf(info)}, not a regular file` };
    if (info.size > maxBytes) return tooLarge(path, info.size, maxBytes);
    // One byte more than the limit tells a file that grew past it since fstat.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) return tooLarge(path, filled, maxBytes);
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function tooLarge(path: string, size: number, maxBytes: number): CertificateFileProblem {
  return { reason: 'too_large', message: `${path} has ${size} bytes or more; certificate files are read up to ${maxBytes} bytes` };
}

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The reason for a failed file system call; the message says what an operator needs to fix it. */
export function fileErrorReason(error: unknown): CertificateFileProblemReason {
  // A hung mount: the call did not return in time, or could not even start (too_many_hung).
  if (error instanceof TimeoutError || error instanceof FilesystemCallError) return 'timeout';
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'not_found';
    case 'EACCES':
    case 'EPERM':
      return 'permission_denied';
    default:
      // ELOOP (a symlink cycle), ENOTDIR (a file where a directory should be), EIO, …
      return 'unreadable';
  }
}

async function describeFileError(path: string, error: unknown): Promise<CertificateFileProblem> {
  const reason = fileErrorReason(error);
  if (reason === 'timeout') return { reason, message: `reading ${path} ${(error as Error).message}` };
  const message = error instanceof Error ? error.message : String(error);
  if (reason !== 'not_found') return { reason, message };
  // A dangling symlink reads as "no such file"; say which link and where it points.
  const link = await filesystemGuard
    .run(`describe-link:${path}`, () => lstat(path).then((info) => (info.isSymbolicLink() ? readlink(path) : undefined)))
    .catch(() => undefined);
  return link === undefined ? { reason, message } : { reason, message: `${path} is a symbolic link to ${link}, which does not exist` };
}

// The END label must repeat the BEGIN label; the body is base64 with line breaks (and optional headers).
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE']);

/** The certificates in a file's content: PEM blocks, or else one DER certificate. */
export function parseCertificates(content: Buffer): CertificateFileReading {
  if (content.length === 0) return { certificates: [], problem: { reason: 'empty', message: 'the file is empty' } };
  // latin1 maps every byte to one character: safe for binary content, exact for PEM's ASCII.
  const text = content.toString('latin1');
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return parseDer(content, text.includes('-----BEGIN '));

  const certificates: FileCertificate[] = [];
  const failures: string[] = [];
  let position = 0;
  for (const block of blocks) {
    if (!CERTIFICATE_LABELS.has(block[1]!)) continue;
    try {
      certificates.push(certificateFacts(new X509Certificate(`-----BEGIN CERTIFICATE-----${block[2]!}-----END CERTIFICATE-----`), position));
    } catch (error) {
      failures.push(`certificate ${position} does not parse (${error instanceof Error ? error.message : String(error)})`);
    }
    position += 1;
  }
  // A bundle cut short (a copy in progress, a full disk) ends in a block without its END line.
  const unterminated = text.split('-----BEGIN ').length - 1 - blocks.length;
  if (unterminated > 0) failures.push(`${unterminated} PEM block(s) without a matching END line`);
  if (failures.length > 0) return { certificates, problem: { reason: 'unparsable', message: failures.join('; ') } };
  if (position === 0) {
    const labels = [...new Set(blocks.map((b) => b[1]))].join(', ');
    return { certificates, problem: { reason: 'no_certificate', message: `no CERTIFICATE block, only ${labels}` } };
  }
  return { certificates };
}

function parseDer(content: Buffer, hasPemHeader: boolean): CertificateFileReading {
  try {
    return { certificates: [certificateFacts(new X509Certificate(content), 0)] };
  } catch {
    const message = hasPemHeader ? 'a PEM BEGIN line without its matching END line' : 'neither PEM nor a DER certificate';
    return { certificates: [], problem: { reason: 'unparsable', message } };
  }
}
