/** What every monitored system (a PostgreSQL server, a Redis server, …) offers the exporter. */
import type { SampleSet } from '../metrics/family.js';

export interface Target {
  readonly kind: string;
  /** The configured name: the `target` label and the API's target id. */
  readonly name: string;
  /**
   * One cheap round trip; throws when the target does not answer. Targets
   * without one (a certificate file, a disk path) are not servers: they get
   * no `upkeep_target_up` and are not listed by /readyz; their collectors
   * report what they find.
   */
  probe?(): Promise<void>;
  /** Info series about the target, known after a successful probe. */
  emitInfo(samples: SampleSet): void;
  /** Facts for /readyz and the targets API (version, role); no secrets. */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}
