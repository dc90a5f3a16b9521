/** The prune rule on its own: what goes and what stays, and why. */
import { describe, expect, it } from 'vitest';
import { decideRetention, type RetentionCandidate } from './backupRetention.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2025-06-01T00:00:00Z');

function dump(file: string, ageDays: number, options: { verified?: boolean; database?: string } = {}): RetentionCandidate {
  return { file, database: options.database ?? 'app', finishedAtMs: NOW - ageDays * DAY_MS, verified: options.verified ?? false };
}

const removed = (candidates: RetentionCandidate[], rule: Parameters<typeof decideRetention>[1]) =>
  decideRetention(candidates, rule, NOW).remove.map((d) => d.file);

describe('decideRetention', () => {
  const week = [dump('a', 0), dump('b', 1), dump('c', 2), dump('d', 3), dump('e', 4)];

  it('keepLast keeps the newest n, whatever order the files came in', () => {
    expect(removed([...week].reverse(), { keepLast: 2 })).toEqual(['c', 'd', 'e']);
  });

  it('maxAgeDays keeps what finished within the age', () => {
    expect(removed(week, { maxAgeDays: 2.5 })).toEqual(['d', 'e']);
  });

  it('with both, deletes only what is outside the count and older than the age', () => {
    expect(removed(week, { keepLast: 1, maxAgeDays: 2.5 })).toEqual(['d', 'e']);
    expect(removed(week, { keepLast: 4, maxAgeDays: 0.5 })).toEqual(['e']);
  });

  it('never deletes the newest dump, even when every dump is too old', () => {
    expect(removed([dump('old', 90), dump('older', 100)], { maxAgeDays: 30 })).toEqual(['older']);
  });

  it('never deletes the newest verified dump, however old, but only the newest one of them', () => {
    const dumps = [dump('new', 0), dump('failed', 1, { verified: false }), dump('good', 50, { verified: true }), dump('good-older', 60, { verified: true })];
    const decision = decideRetention(dumps, { keepLast: 1 }, NOW);
    expect(decision.remove.map((d) => d.file)).toEqual(['failed', 'good-older']);
    expect(decision.keep.map((k) => [k.dump.file, k.reasons])).toEqual([
      ['new', ['newest', 'keep_last']],
      ['good', ['newest_verified']],
    ]);
  });

  it('applies the rule per database', () => {
    const dumps = [dump('app-1', 0), dump('app-2', 1), dump('app-3', 2), dump('audit-1', 40, { database: 'audit' }), dump('audit-2', 41, { database: 'audit' })];
    expect(removed(dumps, { keepLast: 2 })).toEqual(['app-3']);
  });

  it('orders equal finish times by file name, so the outcome does not depend on directory order', () => {
    const same = [dump('x-1', 1), dump('x-3', 1), dump('x-2', 1)];
    expect(removed(same, { keepLast: 1 })).toEqual(['x-2', 'x-1']);
  });
});
