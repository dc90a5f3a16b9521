/** Builds the monitored targets from the configuration. */
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { PostgresTarget } from './postgres.js';
import { RedisTarget } from './redis.js';
import type { Target } from './target.js';

/** The target classes by kind; collectors name the kind they read. */
export interface TargetsByKind {
  postgres: PostgresTarget;
  redis: RedisTarget;
}

export type TargetKind = keyof TargetsByKind;

export class TargetSet {
  private constructor(private readonly byKind: { [K in TargetKind]: TargetsByKind[K][] }) {}

  static fromConfig(config: Config, log: Logger): TargetSet {
    const postgres = config.postgres.map((c) => new PostgresTarget(c, log));
    const redis = config.redis.map((c) => new RedisTarget(c, log));
    for (const target of [...postgres, ...redis]) target.start();
    return new TargetSet({ postgres, redis });
  }

  ofKind<K extends TargetKind>(kind: K): readonly TargetsByKind[K][] {
    return this.byKind[kind];
  }

  all(): Target[] {
    return [...this.byKind.postgres, ...this.byKind.redis];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((t) => t.close()));
  }
}
