import { describe, expect, it } from 'vitest';
import { RemainderCounters } from './remainderCounter.js';

describe('the "other" counter of a top-N family', () => {
  it('starts at the remainder and grows with what the items outside the top gained', () => {
    const other = new RemainderCounters();
    expect(other.next('db', 100, 0, 0)).toBe(100);
    expect(other.next('db', 130, 0, 0)).toBe(130);
  });

  it('does not go down when an item with a long history joins the top', () => {
    const other = new RemainderCounters();
    // Items a=60 (outside), b=40 (outside): remainder 100.
    expect(other.next('db', 100, 0, 0)).toBe(100);
    // a gains 5 and joins the top: the remainder falls to b's 42, but "other" only adds a's and b's gains (5 + 2).
    expect(other.next('db', 42, 65, 0)).toBe(107);
  });

  it('does not count the history of an item that leaves the top', () => {
    const other = new RemainderCounters();
    expect(other.next('db', 10, 0, 0)).toBe(10);
    // A member with 500 leaves (and gained nothing outside yet); the rest gained 3.
    expect(other.next('db', 513, 0, 500)).toBe(13);
  });

  it('never goes backwards, even when the server resets its statistics', () => {
    const other = new RemainderCounters();
    other.next('db', 1000, 0, 0);
    expect(other.next('db', 4, 0, 0)).toBe(1000);
    expect(other.next('db', 10, 0, 0)).toBe(1006);
  });

  it('keeps buckets apart and forgets the ones no longer refreshed', () => {
    const other = new RemainderCounters();
    other.next('a', 5, 0, 0);
    other.next('b', 7, 0, 0);
    other.retainOnly(new Set(['a']));
    expect(other.next('b', 2, 0, 0)).toBe(2);
    expect(other.next('a', 6, 0, 0)).toBe(6);
  });
});
