/**
 * Schedule ticks in the state database (`upkeep.schedule_runs`): which
 * replica claimed each tick and what became of it. Every replica sees every
 * tick of a schedule; the row is what makes exactly one of them act on it.
 */
import type { StateDatabase } from '../state/stateDatabase.js';
import { advisoryKey, LOCK_SPACE } from './advisoryLocks.js';

/**
 * What became of a tick: `claimed` until the job is submitted, then
 * `running` and the job's final status; or why no job ran.
 */
export type TickOutcome =
  | 'claimed'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'interrupted'
  | 'skipped_window'
  | 'conflict'
  | 'rejected'
  | 'unavailable'
  | 'error';

export interface ScheduleTimes {
  /** When a job of the schedule last started; undefined if none ever did. */
  lastRun: Date | undefined;
  /** When a job of the schedule last finished successfully; undefined if none ever did. */
  lastSuccess: Date | undefined;
}

export class ScheduleStore {
  constructor(private readonly db: StateDatabase) {}

  /**
   * Claims the tick (schedule, fireTime) for this instance; true when this
   * call won it. One statement, so it needs no connection of its own: the
   * transaction-level advisory lock on the schedule serialises the replicas'
   * claims (a second replica waits the few milliseconds until the first
   * commits rather than guessing), and the primary key decides — a replica
   * whose clock runs late finds the row and does nothing. Had the winner
   * rolled back, the waiting replica inserts and runs the tick instead.
   */
  async claim(schedule: string, fireTime: Date, instanceId: string, outcome: 'claimed' | 'skipped_window', detail?: string): Promise<boolean> {
    const { rows } = await this.db.query<{ schedule: string }>(
      `WITH serialised AS (SELECT pg_advisory_xact_lock($1::bigint))
       INSERT INTO upkeep.schedule_runs (schedule, fire_time, instance_id, outcome, detail)
       SELECT $2, $3, $4, $5, $6 FROM serialised
       ON CONFLICT (schedule, fire_time) DO NOTHING
       RETURNING schedule`,
      [advisoryKey(LOCK_SPACE.schedule, schedule), schedule, fireTime, instanceId, outcome, detail ?? null],
    );
    return rows.length === 1;
  }

  async record(schedule: string, fireTime: Date, outcome: TickOutcome, jobId: string | undefined, detail: string | undefined): Promise<void> {
    await this.db.query(
      `UPDATE upkeep.schedule_runs SET outcome = $3, job_id = coalesce($4, job_id), detail = $5 WHERE schedule = $1 AND fire_time = $2`,
      [schedule, fireTime, outcome, jobId ?? null, detail ?? null],
    );
  }

  /**
   * Last start and last success per schedule, from the jobs the ticks
   * started: the same answer on every replica and after restarts. Each
   * lookup walks the primary key backwards from the newest tick, so a
   * long history costs little.
   */
  async times(schedules: readonly string[]): Promise<Map<string, ScheduleTimes>> {
    const { rows } = await this.db.query<{ name: string; last_run: Date | null; last_success: Date | null }>(
      `SELECT s.name,
              (SELECT coalesce(j.started_at, r.claimed_at)
                 FROM upkeep.schedule_runs r LEFT JOIN upkeep.jobs j ON j.id = r.job_id
                WHERE r.schedule = s.name AND r.job_id IS NOT NULL
                ORDER BY r.fire_time DESC LIMIT 1) AS last_run,
              (SELECT j.finished_at
                 FROM upkeep.schedule_runs r JOIN upkeep.jobs j ON j.id = r.job_id
                WHERE r.schedule = s.name AND j.status = 'succeeded'
                ORDER BY r.fire_time DESC LIMIT 1) AS last_success
         FROM unnest($1::text[]) AS s(name)`,
      [schedules],
    );
    return new Map(rows.map((r) => [r.name, { lastRun: r.last_run ?? undefined, lastSuccess: r.last_success ?? undefined }]));
  }
}
