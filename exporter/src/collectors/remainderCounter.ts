/**
 * The `other` series of a top-N counter family, kept monotonic.
 *
 * `other` is everything outside the top: the total minus the members. When
 * an item joins the top, its whole history leaves `other` at once, and a
 * counter that goes down reads to Prometheus as a reset (a spike in `rate()`).
 * So `other` is exported as a counter of its own: each refresh adds what the
 * items that were outside the top at the previous refresh gained since then,
 * and never a negative amount. An item's history moves with it: nothing when
 * it joins (its new series starts with it), nothing when it leaves.
 *
 * What `other` gained = (remainder now + joined items now − left items now) −
 * remainder at the previous refresh, where "now" values are the items'
 * current counters. A drop (a reset of the server's statistics, an item that
 * vanished while outside the top) adds nothing instead of going backwards.
 */
export class RemainderCounters {
  private readonly buckets = new Map<string, { exported: number; remainder: number }>();

  /**
   * One refresh of one bucket (a database and a counter). `remainder`: total
   * minus the members' values now; `joined` / `left`: sum of the current
   * values of the items that joined / left the members at this refresh.
   */
  next(bucket: string, remainder: number, joined: number, left: number): number {
    const previous = this.buckets.get(bucket);
    const exported = previous ? previous.exported + Math.max(0, remainder + joined - left - previous.remainder) : Math.max(0, remainder);
    this.buckets.set(bucket, { exported, remainder });
    return exported;
  }

  /** Forgets buckets not refreshed this time (a dropped database), so they start afresh if they return. */
  retainOnly(buckets: ReadonlySet<string>): void {
    for (const key of this.buckets.keys()) if (!buckets.has(key)) this.buckets.delete(key);
  }
}
