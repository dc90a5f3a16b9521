import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineAction } from '../actions/types.js';
import { scheduleProblem, windowProblem } from './scheduleChecks.js';

const vacuumLike = defineAction({
  name: 'tidy',
  title: 'Tidy',
  description: 'Test action.',
  targetKind: 'postgres',
  params: z.strictObject({ table: z.string().regex(/^[a-z_]+$/) }),
  role: 'operator',
  destructive: false,
  supportsDryRun: false,
  refreshes: [],
  prepare: () => Promise.resolve({ scope: 'x', plan: null }),
  run: () => Promise.resolve(null),
});

const kinds = new Map([
  ['main', 'postgres'],
  ['cache', 'redis'],
]);
const kindOf = (name: string) => kinds.get(name);

describe('schedule checks', () => {
  it('accepts a schedule whose action, target kind and params fit', () => {
    expect(scheduleProblem({ action: 'tidy', target: 'main', params: { table: 'orders' } }, [vacuumLike], kindOf)).toBeUndefined();
  });

  it('names the field at fault', () => {
    expect(scheduleProblem({ action: 'tidy-up', target: 'main', params: {} }, [vacuumLike], kindOf)).toEqual({
      field: 'action',
      message: 'refers to unknown action "tidy-up"; known: tidy',
    });
    expect(scheduleProblem({ action: 'tidy', target: 'cache', params: { table: 'orders' } }, [vacuumLike], kindOf)?.message).toBe(
      'tidy runs on postgres targets; "cache" is a redis target',
    );
    expect(scheduleProblem({ action: 'tidy', target: 'gone', params: {} }, [vacuumLike], kindOf)?.field).toBe('target');
    const params = scheduleProblem({ action: 'tidy', target: 'main', params: { table: 'x; DROP TABLE y', full: true } }, [vacuumLike], kindOf);
    expect(params?.field).toBe('params');
    expect(params?.message).toMatch(/^invalid params for tidy: table: .*; \(params\): .*full/);
  });

  it('finds a window that no tick of the cron ever reaches', () => {
    // 03:00 UTC is 04:00 (winter) or 05:00 (summer) in Berlin: never inside 02:00–04:00.
    const window = { start: '02:00', end: '04:00', timezone: 'Europe/Berlin' };
    expect(windowProblem({ cron: '0 3 * * *', timezone: 'UTC', window })).toMatch(/none of the cron's times in the next 8 days \(UTC\) falls inside the window 02:00–04:00 Europe\/Berlin/);
    expect(windowProblem({ cron: '0 3 * * *', timezone: 'Europe/Berlin', window })).toBeUndefined();
    expect(windowProblem({ cron: '30 2 * * 1', timezone: 'Europe/Berlin', window })).toBeUndefined();
    expect(windowProblem({ cron: '0 3 * * *', timezone: 'UTC' })).toBeUndefined();
  });

  it('gives no verdict for a cron too dense to look a week ahead', () => {
    expect(windowProblem({ cron: '* * * * * *', timezone: 'UTC', window: { start: '00:00', end: '00:01', timezone: 'Pacific/Kiritimati' } })).toBeUndefined();
  });
});
