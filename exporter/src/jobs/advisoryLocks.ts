/**
 * Session-level advisory locks on the state database, each on a connection
 * of its own. The state database is what every replica shares, so a lock
 * there excludes a job on another replica too; the server releases it when
 * the connection ends, even if the process holding it is killed.
 */
import type pg from 'pg';
import type { StateDatabase } from '../state/stateDatabase.js';

/** First keys of Upkeep's advisory locks ("UPK" + a letter): scopes of jobs, replicas' presence, schedule ticks. */
export const LOCK_SPACE = { jobScope: 0x55504b4a, presence: 0x55504b50, schedule: 0x55504b53 } as const;

export class HeldLock {
  private released = false;
  constructor(private readonly client: pg.Client) {}

  /** Ends the connection, which releases the lock on the server whatever state the session is in. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.client.end().catch(() => undefined);
  }
}

/** Takes the lock (space, name) on a new connection, without waiting; undefined if someone holds it. */
export async function tryAdvisoryLock(db: StateDatabase, space: number, name: string): Promise<HeldLock | undefined> {
  const client = await db.dedicatedClient();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [space, name]);
    if (rows[0]?.locked) return new HeldLock(client);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  await client.end().catch(() => undefined);
  return undefined;
}
