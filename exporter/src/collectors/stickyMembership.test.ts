import { describe, expect, it } from 'vitest';
import { StickyMembership } from './stickyMembership.js';

const set = (...keys: string[]) => new Set(keys);

describe('sticky top-N membership', () => {
  it('keeps a statement that drops out of the top for K refreshes, then lets it go', () => {
    const m = new StickyMembership(2);
    expect(m.refresh(set('a', 'b'), set('a', 'b', 'c'))).toEqual(set('a', 'b'));
    expect(m.refresh(set('a', 'c'), set('a', 'b', 'c'))).toEqual(set('a', 'b', 'c')); // b out once
    expect(m.refresh(set('a', 'c'), set('a', 'b', 'c'))).toEqual(set('a', 'b', 'c')); // b out twice
    expect(m.refresh(set('a', 'c'), set('a', 'b', 'c'))).toEqual(set('a', 'c')); // third time: gone
  });

  it('resets the count when a statement comes back into the top', () => {
    const m = new StickyMembership(1);
    m.refresh(set('a'), set('a', 'b'));
    m.refresh(set('b'), set('a', 'b')); // a out once
    m.refresh(set('a'), set('a', 'b')); // a back
    expect(m.refresh(set('b'), set('a', 'b'))).toEqual(set('a', 'b')); // a out once again, still kept
  });

  it('drops a member at once when the server no longer has it (reset or evicted)', () => {
    const m = new StickyMembership(5);
    m.refresh(set('a', 'b'), set('a', 'b'));
    expect(m.refresh(set('a'), set('a'))).toEqual(set('a'));
  });

  it('with K = 0 is a plain top-N', () => {
    const m = new StickyMembership(0);
    m.refresh(set('a', 'b'), set('a', 'b', 'c'));
    expect(m.refresh(set('c'), set('a', 'b', 'c'))).toEqual(set('c'));
    expect(m.members).toEqual(['c']);
  });
});
