/**
 * Certificate families shared by every certificate source: a PostgreSQL
 * server's own TLS (`source="postgres"`), TLS endpoints (`endpoint`),
 * certificate files (`file`) and the file named by PostgreSQL's
 * ssl_cert_file (`postgres_file`). Times are absolute Unix timestamps;
 * "days left" is `(… - time()) / 86400` in PromQL.
 *
 * Per-certificate series are identified by where they were read (`path` for
 * files, empty for servers), their place in the chain or file, and who they
 * are; a renewal replaces the series instead of adding to them (each run
 * emits only what it read).
 */
import type { Emit } from '../collectors/types.js';
import type { TlsProbeResult } from '../targets/tlsProbe.js';
import { gauge } from './family.js';
import type { CertificateFacts } from '../targets/certificateFacts.js';

const CERTIFICATE_LABELS = ['target', 'source', 'path', 'position', 'subject_cn', 'issuer_cn', 'serial'] as const;

export const tlsCertNotAfter = gauge(
  'upkeep_tls_cert_not_after_timestamp_seconds',
  'Unix time at which the certificate expires (notAfter), per certificate: of the chain a server presents (path empty, position 0 = leaf) or of a file (path, position = place in the file).',
  CERTIFICATE_LABELS,
);

export const tlsCertNotBefore = gauge(
  'upkeep_tls_cert_not_before_timestamp_seconds',
  'Unix time from which the certificate is valid (notBefore), per certificate: of the chain a server presents (path empty, position 0 = leaf) or of a file (path, position = place in the file).',
  CERTIFICATE_LABELS,
);

export const tlsEarliestCertExpiry = gauge(
  'upkeep_tls_earliest_cert_expiry_timestamp_seconds',
  'Unix time at which the first certificate expires: the minimum notAfter over the chain a server presents, or over every certificate of the files read: when clients start failing.',
  ['target', 'source'],
);

export const tlsLeafCertExpiry = gauge(
  'upkeep_tls_leaf_cert_expiry_timestamp_seconds',
  'Unix time at which the server\'s own (leaf) certificate expires; the chain may expire earlier (see upkeep_tls_earliest_cert_expiry_timestamp_seconds).',
  ['target', 'source'],
);

export const tlsCertVerified = gauge(
  'upkeep_tls_cert_verified',
  'Whether the certificate chain verifies against the exporter\'s trusted CAs (1) or not (0; a private CA also gives 0); the host name is checked separately.',
  ['target', 'source'],
);

export const tlsCertHostnameMatch = gauge(
  'upkeep_tls_cert_hostname_match',
  'Whether the leaf certificate is valid for the host name the exporter connects to (1) or not (0).',
  ['target', 'source'],
);

export const tlsOffered = gauge(
  'upkeep_tls_offered',
  'Whether the server offers TLS (1) or runs without it (0; a PostgreSQL server that answers N to SSLRequest).',
  ['target', 'source'],
);

export const tlsProbeSuccess = gauge(
  'upkeep_tls_probe_success',
  'Whether the last probe of the endpoint got an answer (1: a TLS handshake, or a PostgreSQL server saying it runs without TLS) or failed (0, see upkeep_tls_probe_error_info). While 0, the certificate series are those of the last successful probe.',
  ['target', 'source'],
);

export const tlsProbeError = gauge(
  'upkeep_tls_probe_error_info',
  'Why the last probe failed (reason: dns, refused, unreachable, timeout, closed, protocol, handshake, error); value 1, present only while failing. The full message is logged as tls_endpoint.probe_failed.',
  ['target', 'source', 'reason'],
);

export const tlsProbeDuration = gauge(
  'upkeep_tls_probe_duration_seconds',
  'How long the last probe took, successful or not: DNS, connect, SSLRequest and TLS handshake.',
  ['target', 'source'],
);

export const tlsProbeLastSuccess = gauge(
  'upkeep_tls_probe_last_success_timestamp_seconds',
  'Unix time of the last successful probe: the time the certificate series were read. Absent until a probe has succeeded since the exporter started.',
  ['target', 'source'],
);

export const tlsFileError = gauge(
  'upkeep_tls_file_error_info',
  'A configured certificate path that could not be read completely (reason: not_found, no_match, permission_denied, not_a_file, too_large, too_many_files, too_many_certificates, timeout, unreadable, empty, no_certificate, unparsable); value 1, present only while the problem lasts. Certificates read from the file before a bad block are still exported.',
  ['target', 'source', 'path', 'reason'],
);

/** The pg_tls families; pg_tls has no probe-level series (its failures fail the run). */
export const tlsFamilies = [tlsOffered, tlsCertNotAfter, tlsCertNotBefore, tlsEarliestCertExpiry, tlsLeafCertExpiry, tlsCertVerified, tlsCertHostnameMatch] as const;

export const tlsEndpointFamilies = [...tlsFamilies, tlsProbeSuccess, tlsProbeError, tlsProbeDuration, tlsProbeLastSuccess] as const;

export const certificateFileFamilies = [tlsCertNotAfter, tlsCertNotBefore, tlsEarliestCertExpiry, tlsLeafCertExpiry, tlsFileError] as const;

export type TlsSource = 'postgres' | 'endpoint' | 'file' | 'postgres_file';


/** notAfter and notBefore of each certificate; `path` is empty for certificates read from a server. */
export function emitCertificates(emit: Emit, source: TlsSource, path: string, certificates: readonly CertificateFacts[]): void {
  for (const cert of certificates) {
    const labels = { source, path, position: String(cert.position), subject_cn: cert.subjectCn, issuer_cn: cert.issuerCn, serial: cert.serial };
    emit(tlsCertNotAfter, labels, cert.notAfter);
    emit(tlsCertNotBefore, labels, cert.notBefore);
  }
}

/** The earliest notAfter of a set of certificates; nothing for an empty set. */
export function emitEarliestExpiry(emit: Emit, source: TlsSource, certificates: readonly CertificateFacts[]): void {
  if (certificates.length === 0) return;
  emit(tlsEarliestCertExpiry, { source }, Math.min(...certificates.map((c) => c.notAfter)));
}

/** The series of one probe: `offered` always, the rest only when TLS was spoken. */
export function emitTlsProbe(emit: Emit, source: TlsSource, result: TlsProbeResult): void {
  emit(tlsOffered, { source }, result.offered ? 1 : 0);
  if (!result.offered) return;
  emit(tlsCertVerified, { source }, result.verified ? 1 : 0);
  emit(tlsCertHostnameMatch, { source }, result.hostnameMatches ? 1 : 0);
  emitCertificates(emit, source, '', result.chain);
  const leaf = result.chain[0];
  if (leaf) emit(tlsLeafCertExpiry, { source }, leaf.notAfter);
  emitEarliestExpiry(emit, source, result.chain);
}
