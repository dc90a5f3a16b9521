/**
 * Which statements have their own series: the fresh top-N of each refresh,
 * plus earlier members that have been out of it for at most `stickyRefreshes`
 * refreshes in a row. Without this hysteresis, statements near the cut-off
 * would enter and leave on alternate scrapes, each time starting a new
 * series and making the `other` counter jump.
 */
export class StickyMembership {
  /** Member key → consecutive refreshes spent outside the fresh top. */
  private readonly misses = new Map<string, number>();

  constructor(private readonly stickyRefreshes: number) {}

  /** The member keys, to ask the server for their rows even when they left the top. */
  get members(): string[] {
    return [...this.misses.keys()];
  }

  /**
   * One refresh. `top`: keys in this refresh's top-N; `present`: every key
   * the server still has (a statement evicted or reset leaves at once).
   * Returns the members after the refresh.
   */
  refresh(top: ReadonlySet<string>, present: ReadonlySet<string>): ReadonlySet<string> {
    for (const [key, missed] of this.misses) {
      if (top.has(key)) continue;
      if (!present.has(key) || missed + 1 > this.stickyRefreshes) this.misses.delete(key);
      else this.misses.set(key, missed + 1);
    }
    for (const key of top) this.misses.set(key, 0);
    return new Set(this.misses.keys());
  }
}
