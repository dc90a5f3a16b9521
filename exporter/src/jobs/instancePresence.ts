/**
 * How a replica knows another one died with jobs unfinished.
 *
 * Each running exporter holds an advisory lock named after its instance id
 * for as long as it lives. A job row records the instance running it. When
 * the lock of an instance with unfinished jobs can be taken, that instance
 * is gone (the server drops a dead process's locks when its connection
 * closes), so its jobs are marked `interrupted`. The sweep runs at start-up
 * and then periodically, so a replica that survives notices a dead peer.
 */
import type pg from 'pg';
import type { Logger } from '../log.js';
import type { StateDatabase } from '../state/stateDatabase.js';
import { LOCK_SPACE } from './advisoryLocks.js';
import type { JobRecord } from './jobRecord.js';
import type { JobStore } from './jobStore.js';

export class InstancePresence {
  private client: pg.Client | undefined;

  constructor(
    readonly instanceId: string,
    private readonly db: StateDatabase,
    private readonly store: JobStore,
    private readonly log: Logger,
  ) {}

  /** Takes (or, after a lost connection, retakes) this instance's presence lock. */
  async hold(): Promise<void> {
    if (this.client) {
      try {
        await this.client.query('SELECT 1');
        return;
      } catch {
        await this.client.end().catch(() => undefined);
        this.client = undefined;
        this.log.warn('jobs.presence_lost', { message: 'the state database connection holding this replica\'s presence lock dropped; retaking it' });
      }
    }
    const client = await this.db.dedicatedClient();
    try {
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_SPACE.presence, this.instanceId]);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
  }

  /** Marks the unfinished jobs of every instance that is gone as interrupted; returns them. */
  async sweep(): Promise<JobRecord[]> {
    await this.hold();
    const client = this.client;
    if (!client) return [];
    const interrupted: JobRecord[] = [];
    for (const other of await this.store.instancesWithUnfinishedJobs(this.instanceId)) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [LOCK_SPACE.presence, other]);
      if (!rows[0]?.locked) continue;
      try {
        interrupted.push(...(await this.store.markInterrupted(other, 'the exporter running this job stopped before it finished (killed, crashed or lost its state database connection)')));
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE.presence, other]);
      }
    }
    return interrupted;
  }

  async release(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
