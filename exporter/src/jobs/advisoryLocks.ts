/**
 * Session-level advisory locks on the state database, each on a connection
 * of its own. The state database is what every replica shares, so a lock
 * there excludes a job on another replica too; the server releases it when
 * the connection ends, even if the process holding it is killed.
 *
 * Keys are 64 bits from a sha256 of (space, name), computed here: with
 * hashtext's 32 bits two scopes could collide into a permanent false 409.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { StateDatabase } from '../state/stateDatabase.js';

/** What a lock is for: the scope of a job, a replica's presence, a schedule's ticks. */
export const LOCK_SPACE = { jobScope: 'job-scope', presence: 'presence', schedule: 'schedule' } as const;
type LockSpace = (typeof LOCK_SPACE)[keyof typeof LOCK_SPACE];

/** The bigint key (as a decimal string, bound as `$n::bigint`) of the lock `name` in `space`. */
export function advisoryKey(space: LockSpace, name: string): string {
  const digest = createHash('sha256').update(`upkeep\u001f${space}\u001f${name}`, 'utf8').digest();
  return digest.readBigInt64BE(0).toString();
}

export class HeldLock {
  private released = false;
  private lost = false;

  constructor(
    private readonly client: pg.Client,
    readonly key: string,
  ) {
    client.on('error', () => {
      this.lost = true;
    });
    client.on('end', () => {
      if (!this.released) this.lost = true;
    });
  }

  /** Whether the connection holding the lock still answers: if it dropped, the server released the lock. */
  async alive(): Promise<boolean> {
    if (this.released || this.lost) return false;
    try {
      await this.client.query('SELECT 1');
      return true;
    } catch {
      this.lost = true;
      return false;
    }
  }

  /** Ends the connection, which releases the lock on the server whatever state the session is in. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.client.end().catch(() => undefined);
  }
}

/** Takes the lock (space, name) on a new connection, without waiting; undefined if someone holds it. */
export async function tryAdvisoryLock(db: StateDatabase, space: LockSpace, name: string): Promise<HeldLock | undefined> {
  const key = advisoryKey(space, name);
  const client = await db.dedicatedClient();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    if (rows[0]?.locked) return new HeldLock(client, key);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  await client.end().catch(() => undefined);
  return undefined;
}
