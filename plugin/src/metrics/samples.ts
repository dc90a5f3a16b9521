import type { Sample } from '../api/prometheus';

/** A stable key of some labels, for joining series of different metrics. */
export function keyOf(labels: Record<string, string>, names: readonly string[]): string {
  return names.map((n) => labels[n] ?? '').join('\u0000');
}

/** The values of one metric by the key of some labels. */
export function indexBy(samples: readonly Sample[] | undefined, names: readonly string[]): Map<string, Sample> {
  const index = new Map<string, Sample>();
  for (const s of samples ?? []) {
    index.set(keyOf(s.labels, names), s);
  }
  return index;
}

/** Series grouped by one label (usually `target`). */
export function groupBy(samples: readonly Sample[] | undefined, label: string): Map<string, Sample[]> {
  const groups = new Map<string, Sample[]>();
  for (const s of samples ?? []) {
    const key = s.labels[label] ?? '';
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return groups;
}

export function valueOf(index: Map<string, Sample>, labels: Record<string, string>, names: readonly string[]): number | undefined {
  return index.get(keyOf(labels, names))?.value;
}
