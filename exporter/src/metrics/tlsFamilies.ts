/**
 * Certificate families shared by every certificate source: a PostgreSQL
 * server's own TLS (`source="postgres"`), TLS endpoints (`endpoint`) and
 * certificate files (`file`). Times are absolute Unix timestamps; "days left"
 * is `(… - time()) / 86400` in PromQL.
 *
 * Per-certificate series are identified by their place in the chain and by
 * who they are; a chain has a handful of certificates, and a renewal replaces
 * the series instead of adding to them (each run emits only what it read).
 */
import type { Emit } from '../collectors/types.js';
import type { TlsProbeResult } from '../targets/tlsProbe.js';
import { gauge } from './family.js';

const CERTIFICATE_LABELS = ['target', 'source', 'position', 'subject_cn', 'issuer_cn', 'serial'] as const;

export const tlsCertNotAfter = gauge(
  'upkeep_tls_cert_not_after_timestamp_seconds',
  'Unix time at which the certificate expires (notAfter), per certificate of the chain read from the server (position 0 = leaf).',
  CERTIFICATE_LABELS,
);

export const tlsCertNotBefore = gauge(
  'upkeep_tls_cert_not_before_timestamp_seconds',
  'Unix time from which the certificate is valid (notBefore), per certificate of the chain read from the server (position 0 = leaf).',
  CERTIFICATE_LABELS,
);

export const tlsEarliestCertExpiry = gauge(
  'upkeep_tls_earliest_cert_expiry_timestamp_seconds',
  'Unix time at which the first certificate of the chain expires (minimum notAfter over the chain): when clients start failing.',
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

export const tlsFamilies = [tlsOffered, tlsCertNotAfter, tlsCertNotBefore, tlsEarliestCertExpiry, tlsLeafCertExpiry, tlsCertVerified, tlsCertHostnameMatch] as const;

export type TlsSource = 'postgres' | 'endpoint' | 'file';

/** The series of one probe: `offered` always, the rest only when TLS was spoken. */
export function emitTlsProbe(emit: Emit, source: TlsSource, result: TlsProbeResult): void {
  emit(tlsOffered, { source }, result.offered ? 1 : 0);
  if (!result.offered) return;
  emit(tlsCertVerified, { source }, result.verified ? 1 : 0);
  emit(tlsCertHostnameMatch, { source }, result.hostnameMatches ? 1 : 0);
  for (const cert of result.chain) {
    const labels = { source, position: String(cert.position), subject_cn: cert.subjectCn, issuer_cn: cert.issuerCn, serial: cert.serial };
    emit(tlsCertNotAfter, labels, cert.notAfter);
    emit(tlsCertNotBefore, labels, cert.notBefore);
  }
  const leaf = result.chain[0];
  if (leaf) {
    emit(tlsLeafCertExpiry, { source }, leaf.notAfter);
    emit(tlsEarliestCertExpiry, { source }, Math.min(...result.chain.map((c) => c.notAfter)));
  }
}
