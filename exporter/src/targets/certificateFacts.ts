/**
 * What Upkeep reports about one X.509 certificate, wherever it was read (a
 * TLS handshake or a file): the same names and serial either way, so one
 * certificate read both ways carries the same labels.
 */
import type { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  /** Place in the chain (0 = the server's own) or in the file (0 = first). */
  position: number;
  subjectCn: string;
  issuerCn: string;
  /** Upper-case hexadecimal, as Node prints it. */
  serial: string;
  /** Unix time in seconds. */
  notBefore: number;
  /** Unix time in seconds. */
  notAfter: number;
  fingerprint256: string;
}

export function certificateFacts(x509: X509Certificate, position: number): CertificateFacts {
  // The legacy object is what a TLS socket reports for its peer.
  const legacy = x509.toLegacyObject();
  return {
    position,
    subjectCn: commonName(legacy.subject),
    issuerCn: commonName(legacy.issuer),
    serial: legacy.serialNumber,
    notBefore: unixSeconds(x509.validFrom),
    notAfter: unixSeconds(x509.validTo),
    fingerprint256: x509.fingerprint256,
  };
}

/** Several CNs arrive as an array at run time, whatever the types say. */
function commonName(name: { CN?: unknown } | undefined): string {
  const cn = name?.CN;
  if (typeof cn === 'string') return cn;
  if (Array.isArray(cn)) return cn.filter((v): v is string => typeof v === 'string').join(', ');
  return '';
}

/** OpenSSL's `Nov  6 09:52:22 2029 GMT` as Unix seconds. */
function unixSeconds(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`unreadable certificate date "${text}"`);
  return ms / 1000;
}
