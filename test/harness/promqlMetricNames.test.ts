import { describe, expect, it } from 'vitest';
import { metricNames } from './promqlMetricNames.js';

describe('metric names in PromQL', () => {
  it('finds the series read and skips functions, labels, keywords, durations and numbers', () => {
    expect(
      metricNames(
        'round(sum by (action, result) (increase(upkeep_job_runs_total{result=~"failed|interrupted"}[1h]))) > 0 and on (target) upkeep_target_up offset 5m == 1e9',
      ),
    ).toEqual(['upkeep_job_runs_total', 'upkeep_target_up']);
  });

  it('keeps recording rule names whole and ignores Grafana variables and label values that look like names', () => {
    expect(metricNames('upkeep:pg_cache_hit_ratio:rate10m and on (target, datname) (upkeep:pg_cache_blocks:rate10m > 100)')).toEqual([
      'upkeep:pg_cache_blocks:rate10m',
      'upkeep:pg_cache_hit_ratio:rate10m',
    ]);
    expect(metricNames('max by (target) (upkeep_pg_longest_query_seconds{target=~"$target", kind="upkeep_fake"}[$__rate_interval])')).toEqual([
      'upkeep_pg_longest_query_seconds',
    ]);
  });

  it('reads a bare selector, a label_values selector and ALERTS', () => {
    expect(metricNames('upkeep_collector_success{collector=~"pg_tls|disk"}')).toEqual(['upkeep_collector_success']);
    expect(metricNames('count(ALERTS{alertstate="firing"}) or vector(0)')).toEqual(['ALERTS']);
    expect(metricNames('histogram_quantile(0.9, sum by (action, le) (rate(upkeep_job_duration_seconds_bucket[5m])))')).toEqual(['upkeep_job_duration_seconds_bucket']);
  });
});
