/**
 * Metric families and the per-scrape sample set collectors write into.
 *
 * Collectors never touch prom-client objects: they emit samples into a fresh
 * SampleSet, so two concurrent scrapes cannot race, and a label set that stops
 * being emitted disappears from the next scrape instead of lingering.
 */

export type MetricType = 'gauge' | 'counter' | 'untyped' | 'histogram';

export interface MetricFamily<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly L[];
}

export type Labels<L extends string> = { readonly [K in L]: string };

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function family<L extends string>(type: MetricType, name: string, help: string, labelNames: readonly L[]): MetricFamily<L> {
  if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
  if (type === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
  if (type !== 'counter' && name.endsWith('_total')) throw new Error(`${type} ${name} must not end in _total`);
  return Object.freeze({ name, help, type, labelNames: Object.freeze([...labelNames]) });
}

export const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => family('gauge', name, help, labelNames);
export const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => family('counter', name, help, labelNames);
/**
 * Untyped is for the rare series whose contract name ends in a suffix that
 * Prometheus' linter reserves for another type (`upkeep_series_count`).
 */
export const untyped = <L extends string>(name: string, help: string, labelNames: readonly L[]) => family('untyped', name, help, labelNames);

export const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]) => family('histogram', name, help, labelNames);

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** A histogram's `_bucket`, `_sum` or `_count` series; the family's name otherwise. */
  readonly metricName?: string;
}

/** A histogram's state: cumulative counts per upper bound (ascending, without +Inf), sum and count. */
export interface HistogramValue {
  buckets: readonly (readonly [upperBound: number, cumulativeCount: number])[];
  sum: number;
  count: number;
}

interface FamilySamples {
  family: MetricFamily;
  samples: Sample[];
}

export class SampleSet {
  private readonly byName = new Map<string, FamilySamples>();

  add<L extends string>(metric: MetricFamily<L>, labels: Labels<L>, value: number): void {
    assertLabels(metric, labels);
    this.entryFor(metric).samples.push({ labels, value });
  }

  addHistogram<L extends string>(metric: MetricFamily<L>, labels: Labels<L>, value: HistogramValue): void {
    if (metric.type !== 'histogram') throw new Error(`${metric.name} is not a histogram`);
    assertLabels(metric, labels);
    const entry = this.entryFor(metric);
    for (const [upperBound, count] of value.buckets) {
      entry.samples.push({ labels: { ...labels, le: String(upperBound) }, value: count, metricName: `${metric.name}_bucket` });
    }
    entry.samples.push({ labels: { ...labels, le: '+Inf' }, value: value.count, metricName: `${metric.name}_bucket` });
    entry.samples.push({ labels, value: value.sum, metricName: `${metric.name}_sum` });
    entry.samples.push({ labels, value: value.count, metricName: `${metric.name}_count` });
  }

  /** Adds every sample of `other` (a cached scheduled result, another collector's output). */
  addAll(other: SampleSet, transformFamily: (f: MetricFamily) => MetricFamily = (f) => f): void {
    for (const { family, samples } of other.byName.values()) {
      const entry = this.entryFor(transformFamily(family));
      for (const sample of samples) entry.samples.push(sample);
    }
  }

  private entryFor(metric: MetricFamily): FamilySamples {
    let entry = this.byName.get(metric.name);
    if (!entry) {
      entry = { family: metric, samples: [] };
      this.byName.set(metric.name, entry);
    } else if (entry.family !== metric) {
      assertSameFamily(entry.family, metric);
    }
    return entry;
  }

  families(): IterableIterator<FamilySamples> {
    return this.byName.values();
  }

  get seriesCount(): number {
    let count = 0;
    for (const entry of this.byName.values()) count += entry.samples.length;
    return count;
  }
}

function assertSameFamily(a: MetricFamily, b: MetricFamily): void {
  if (a.type !== b.type || a.labelNames.join(',') !== b.labelNames.join(',')) {
    throw new Error(`metric ${a.name} is declared twice with different types or labels`);
  }
}

function assertLabels(metric: MetricFamily, labels: Readonly<Record<string, string>>): void {
  const keys = Object.keys(labels);
  if (keys.length !== metric.labelNames.length || !metric.labelNames.every((l) => typeof labels[l] === 'string')) {
    throw new Error(`metric ${metric.name} expects labels [${metric.labelNames.join(', ')}], got [${keys.join(', ')}]`);
  }
}
