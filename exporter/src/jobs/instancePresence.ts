/**
 * How a replica knows another one died with jobs unfinished.
 *
 * Each running exporter holds an advisory lock named after its instance id
 * for as long as it lives, and refreshes its running jobs' heartbeat every
 * second. An instance is judged gone only when both stopped: its lock can be
 * taken (the server drops a dead process's locks when its connection closes)
 * AND its jobs' heartbeat is older than STALE_SECONDS. The lock alone would
 * not do: a live replica whose lock connection dropped for a moment (a state
 * database restart, a network blip) would have its running jobs declared
 * interrupted — and their files cleaned up — under it.
 *
 * The sweep runs at start-up and then every few seconds, so a replica that
 * survives notices a dead peer, and a restarted exporter its own old jobs.
 */
import type pg from 'pg';
import type { Logger } from '../log.js';
import type { StateDatabase } from '../state/stateDatabase.js';
import { advisoryKey, LOCK_SPACE } from './advisoryLocks.js';
import type { JobRecord } from './jobRecord.js';
import type { JobStore } from './jobStore.js';

/** Ten missed heartbeats. */
export const STALE_SECONDS = 10;

export class InstancePresence {
  private client: pg.Client | undefined;
  private released = false;

  constructor(
    readonly instanceId: string,
    private readonly db: StateDatabase,
    private readonly store: JobStore,
    private readonly log: Logger,
  ) {}

  /** Takes (or, after a lost connection, retakes) this instance's presence lock; cheap when held. */
  async hold(): Promise<void> {
    if (this.released) throw new Error('this replica has released its presence (stopping)');
    if (this.client) {
      try {
        await this.client.query('SELECT 1');
        return;
      } catch {
        await this.client.end().catch(() => undefined);
        this.client = undefined;
        this.log.warn('jobs.presence_lost', { message: "the state database connection holding this replica's presence lock dropped; retaking it" });
      }
    }
    const client = await this.db.dedicatedClient();
    try {
      await client.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey(LOCK_SPACE.presence, this.instanceId)]);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
  }

  /** Marks the stale unfinished jobs of every instance that is gone as interrupted; returns them. */
  async sweep(): Promise<JobRecord[]> {
    await this.hold();
    const client = this.client;
    if (!client) return [];
    const interrupted: JobRecord[] = [];
    for (const other of await this.store.instancesWithStaleJobs(this.instanceId, STALE_SECONDS)) {
      const key = advisoryKey(LOCK_SPACE.presence, other);
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
      if (!rows[0]?.locked) continue;
      try {
        interrupted.push(
          ...(await this.store.markInterrupted(other, STALE_SECONDS, 'the exporter running this job stopped before it finished (killed, crashed or lost its state database)')),
        );
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      }
    }
    return interrupted;
  }

  async release(): Promise<void> {
    this.released = true;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
