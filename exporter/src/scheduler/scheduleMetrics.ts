/**
 * The schedule series on /metrics. The timestamps come from the state
 * database (the jobs the schedule's ticks started), so every replica reports
 * the same values and a restart keeps them; this holds the last answer read.
 */
import { gauge, type SampleSet } from '../metrics/family.js';
import type { ScheduleTimes } from '../jobs/scheduleStore.js';

export const scheduleLastRun = gauge(
  'upkeep_schedule_last_run_timestamp_seconds',
  'Unix time the last job of the schedule started, on any replica (0: never). Ticks skipped outside the maintenance window or refused do not count.',
  ['schedule'],
);
export const scheduleLastSuccess = gauge(
  'upkeep_schedule_last_success_timestamp_seconds',
  'Unix time the last job of the schedule finished successfully, on any replica (0: never). Alert when it is older than the schedule\'s interval plus its usual duration.',
  ['schedule'],
);

export const scheduleLastTick = gauge(
  'upkeep_schedule_last_tick_timestamp_seconds',
  'Unix time of the last tick of the schedule inside its maintenance window that this exporter process reached (0: none since it started). A tick newer than upkeep_schedule_last_run_timestamp_seconds started no job: the state database was down, the previous run still held the scope, or the request was refused.',
  ['schedule'],
);

const seconds = (at: Date | undefined): number => (at ? at.getTime() / 1000 : 0);

export class ScheduleMetrics {
  /** Undefined until the state database answered once: before that nothing true can be said. */
  private times: Map<string, ScheduleTimes> | undefined;
  /**
   * Kept in memory, not in the state database: a tick that could not reach
   * the database is exactly the one that must show.
   */
  private readonly lastTicks = new Map<string, Date>();

  constructor(private readonly schedules: readonly string[]) {}

  load(times: Map<string, ScheduleTimes>): void {
    this.times = times;
  }

  /** A tick inside the window came, whatever became of it. */
  recordTick(schedule: string, fireTime: Date): void {
    this.lastTicks.set(schedule, fireTime);
  }

  emitInto(out: SampleSet): void {
    for (const schedule of this.schedules) out.add(scheduleLastTick, { schedule }, seconds(this.lastTicks.get(schedule)));
    const times = this.times;
    if (!times) return;
    for (const schedule of this.schedules) {
      out.add(scheduleLastRun, { schedule }, seconds(times.get(schedule)?.lastRun));
      out.add(scheduleLastSuccess, { schedule }, seconds(times.get(schedule)?.lastSuccess));
    }
  }
}
