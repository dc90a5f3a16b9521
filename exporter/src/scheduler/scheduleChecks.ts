/**
 * Whether a configured schedule can run at all: its action exists, runs on
 * the kind of target named, and accepts the params. The same checks the
 * runner makes on every submit, made once up front so that a typo shows at
 * start-up rather than at 03:00 on the first tick.
 */
import cron from 'node-cron';
import type { AnyAction } from '../actions/types.js';
import { issueLine } from '../validationIssues.js';
import { describeWindow, isInsideWindow, type MaintenanceWindow } from './maintenanceWindow.js';

export interface ScheduleProblem {
  /** The schedule's field at fault. */
  field: 'action' | 'target' | 'params';
  message: string;
}

export interface ScheduleToCheck {
  action: string;
  target: string;
  params: unknown;
}

/** The first problem of the schedule, or undefined when it can run. `targetKind` gives a target's kind by name (undefined: no such target). */
export function scheduleProblem(
  schedule: ScheduleToCheck,
  actions: readonly { name: string; targetKind: string; params: AnyAction['params'] }[],
  targetKind: (name: string) => string | undefined,
): ScheduleProblem | undefined {
  const action = actions.find((a) => a.name === schedule.action);
  if (!action) {
    return { field: 'action', message: `refers to unknown action "${schedule.action}"; known: ${actions.map((a) => a.name).join(', ') || 'none'}` };
  }
  const kind = targetKind(schedule.target);
  if (kind === undefined) return { field: 'target', message: `refers to unknown target "${schedule.target}"` };
  if (kind !== action.targetKind) {
    return { field: 'target', message: `${action.name} runs on ${action.targetKind} targets; "${schedule.target}" is a ${kind} target` };
  }
  const parsed = action.params.safeParse(schedule.params ?? {});
  if (!parsed.success) return { field: 'params', message: `invalid params for ${action.name}: ${issueLine(parsed.error, '(params)')}` };
  return undefined;
}

/** Enough of a schedule to see whether its ticks ever fall in its window. */
export interface WindowedSchedule {
  cron: string;
  timezone?: string | undefined;
  window?: MaintenanceWindow | undefined;
}

/** How far ahead to look, and at most how many ticks: a week and a day covers weekly crons and a DST change. */
const LOOKAHEAD_MS = 8 * 86_400_000;
const LOOKAHEAD_TICKS = 400;

/**
 * A message when none of the schedule's ticks in the coming eight days falls
 * inside its window — typically a cron read in one time zone and a window in
 * another (`0 3 * * *` on a UTC host, window 02:00–04:00 Europe/Berlin): the
 * schedule would be skipped every time. No verdict (undefined) for a cron too
 * dense to look eight days ahead cheaply; such a cron reaches any window.
 */
export function windowProblem(schedule: WindowedSchedule): string | undefined {
  const window = schedule.window;
  if (!window) return undefined;
  const task = cron.createTask(schedule.cron, () => undefined, schedule.timezone === undefined ? {} : { timezone: schedule.timezone });
  let ticks: Date[];
  try {
    ticks = task.getNextRuns(LOOKAHEAD_TICKS);
  } finally {
    void task.destroy();
  }
  // getNextRuns counts from now.
  const horizon = Date.now() + LOOKAHEAD_MS;
  const within = ticks.filter((t) => t.getTime() <= horizon);
  if (within.length === 0 || within.some((t) => isInsideWindow(t, window))) return undefined;
  if (within.length === ticks.length && (ticks.at(-1)?.getTime() ?? 0) < horizon) return undefined;
  return `none of the cron's times in the next 8 days (${schedule.timezone ?? 'system time zone'}) falls inside the window ${describeWindow(window)}: every tick would be skipped`;
}
