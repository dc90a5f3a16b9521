/**
 * Nearest-rank percentiles: the p-th percentile of n samples is the
 * ceil(p/100 · n)-th smallest, an observed value (p99 of 200 scrapes is the
 * 198th, so the two slowest scrapes do not count).
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
