/**
 * Targets that are not servers to connect to but things to look at: a TLS
 * endpoint, a set of certificate files, a disk path. They hold their
 * configuration for the collectors of their kind; there is nothing to probe,
 * open or close (each collector run does its own bounded I/O).
 */
import type { CertificateFilesConfig, DiskConfig, TlsEndpointConfig } from '../config/types.js';
import type { Target } from './target.js';

abstract class StaticTarget implements Target {
  abstract readonly kind: string;
  readonly name: string;

  constructor(config: { name: string }) {
    this.name = config.name;
  }

  emitInfo(): void {
    // Nothing known beyond the configuration; the collectors emit the facts.
  }

  abstract describe(): Record<string, unknown>;

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class TlsEndpointTarget extends StaticTarget {
  readonly kind = 'tls_endpoint' as const;

  constructor(readonly config: TlsEndpointConfig) {
    super(config);
  }

  describe(): Record<string, unknown> {
    return { host: this.config.host, port: this.config.port, protocol: this.config.protocol };
  }
}

export class CertificateFilesTarget extends StaticTarget {
  readonly kind = 'cert_files' as const;

  constructor(readonly config: CertificateFilesConfig) {
    super(config);
  }

  describe(): Record<string, unknown> {
    return { paths: this.config.paths };
  }
}

export class DiskTarget extends StaticTarget {
  readonly kind = 'disk' as const;

  constructor(readonly config: DiskConfig) {
    super(config);
  }

  describe(): Record<string, unknown> {
    return { path: this.config.path };
  }
}
