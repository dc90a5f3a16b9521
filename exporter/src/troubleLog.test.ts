import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';
import { TroubleLog } from './troubleLog.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, events: () => lines.map((l) => `${String(l.level)} ${String(l.event)}`) };
}

describe('TroubleLog', () => {
  it('warns when trouble starts or its reason changes, notes it at debug while it lasts, and says when it ends', () => {
    const { log, events } = capture();
    const trouble = new TroubleLog({ started: 'x.failed', continuing: 'x.still_failing', ended: 'x.recovered' });
    trouble.record(log, 'a', { path: 'a' }, undefined);
    trouble.record(log, 'a', { path: 'a' }, { reason: 'timeout', message: 'slow' });
    trouble.record(log, 'a', { path: 'a' }, { reason: 'timeout', message: 'still slow' });
    trouble.record(log, 'a', { path: 'a' }, { reason: 'not_found', message: 'gone' });
    trouble.record(log, 'a', { path: 'a' }, undefined);
    expect(events()).toEqual(['warn x.failed', 'debug x.still_failing', 'warn x.failed', 'info x.recovered']);
  });

  it('ends the trouble of keys that no longer came up', () => {
    const { log, events } = capture();
    const trouble = new TroubleLog({ started: 'f.problem', ended: 'f.cleared' });
    trouble.record(log, 'a', {}, { reason: 'empty', message: 'no bytes' });
    trouble.record(log, 'b', {}, { reason: 'empty', message: 'no bytes' });
    trouble.record(log, 'b', {}, { reason: 'empty', message: 'no bytes' });
    trouble.endAllBut(log, new Set(['b']), (key) => ({ key }));
    trouble.endAllBut(log, new Set(['b']), (key) => ({ key }));
    expect(events()).toEqual(['warn f.problem', 'warn f.problem', 'info f.cleared']);
  });
});
