/**
 * What the bench reads from a /metrics body: how many series it holds and
 * which metric names, without a full parser (bodies of tens of thousands of
 * lines are read after every measured scrape).
 */

/** Series = sample lines: not empty, not a comment (# HELP, # TYPE, # EOF). */
export function seriesCount(body: string): number {
  let count = 0;
  for (const line of body.split('\n')) if (line !== '' && !line.startsWith('#')) count += 1;
  return count;
}

/** Metric name → number of series with that name. */
export function seriesByName(body: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const end = line.search(/[{ ]/);
    const name = end < 0 ? line : line.slice(0, end);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Process and runtime metrics every exporter carries; they say nothing about the database. */
const RUNTIME = /^(process_|nodejs_|go_|promhttp_)/;

export function isRuntimeMetric(name: string): boolean {
  return RUNTIME.test(name);
}

/** One gauge sample per label set of `name`, e.g. upkeep_collector_duration_seconds → {collector, target} → value. */
export function samplesOf(body: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  const prefix = `${name}{`;
  for (const line of body.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    // Label values here are collector and target names: no quotes or commas inside.
    for (const match of line.slice(prefix.length, close).matchAll(/(\w+)="([^"]*)"/g)) labels[match[1]!] = match[2]!;
    out.push({ labels, value: Number(line.slice(close + 1).trim().split(' ')[0]) });
  }
  return out;
}
