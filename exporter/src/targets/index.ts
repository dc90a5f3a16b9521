/** Builds the monitored targets from the configuration. */
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { PostgresTarget } from './postgres.js';
import { RedisTarget } from './redis.js';
import { CertificateFilesTarget, DiskTarget, TlsEndpointTarget } from './staticTargets.js';
import type { Target } from './target.js';

/** The target classes by kind; collectors name the kind they read. */
export interface TargetsByKind {
  postgres: PostgresTarget;
  redis: RedisTarget;
  tls_endpoint: TlsEndpointTarget;
  cert_files: CertificateFilesTarget;
  disk: DiskTarget;
}

export type TargetKind = keyof TargetsByKind;

export class TargetSet {
  private constructor(private readonly byKind: { [K in TargetKind]: TargetsByKind[K][] }) {}

  static async fromConfig(config: Config, log: Logger): Promise<TargetSet> {
    const postgres = config.postgres.map((c) => new PostgresTarget(c, log));
    const redis = await Promise.all(config.redis.map((c) => RedisTarget.create(c, log)));
    for (const target of [...postgres, ...redis]) target.start();
    return new TargetSet({
      postgres,
      redis,
      tls_endpoint: config.certificates.endpoints.map((c) => new TlsEndpointTarget(c)),
      cert_files: config.certificates.files.map((c) => new CertificateFilesTarget(c)),
      disk: config.disks.map((c) => new DiskTarget(c)),
    });
  }

  ofKind<K extends TargetKind>(kind: K): readonly TargetsByKind[K][] {
    return this.byKind[kind];
  }

  all(): Target[] {
    return [...this.byKind.postgres, ...this.byKind.redis, ...this.byKind.tls_endpoint, ...this.byKind.cert_files, ...this.byKind.disk];
  }

  /** The servers: targets with a probe, for `upkeep_target_up` and /readyz. */
  probed(): (Target & { probe(): Promise<void> })[] {
    return this.all().filter((t): t is Target & { probe(): Promise<void> } => t.probe !== undefined);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((t) => t.close()));
  }
}
