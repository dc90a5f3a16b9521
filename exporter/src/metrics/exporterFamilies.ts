/**
 * The exporter's own families: collector health, target reachability, build
 * and size. Dashboards and alert rules depend on these names; tests import
 * them from here rather than repeating strings.
 */
import { gauge, untyped } from './family.js';

export const collectorSuccess = gauge(
  'upkeep_collector_success',
  'Whether the collector last succeeded for the target (1) or failed or timed out (0).',
  ['collector', 'target'],
);

export const collectorDuration = gauge(
  'upkeep_collector_duration_seconds',
  'How long the collector last took for the target, in seconds.',
  ['collector', 'target'],
);

export const collectorLastSuccess = gauge(
  'upkeep_collector_last_success_timestamp_seconds',
  'Unix time of the collector\'s last success for the target; 0 if it has not succeeded since the exporter started.',
  ['collector', 'target'],
);

export const targetUp = gauge(
  'upkeep_target_up',
  'Whether the target answered the exporter during this scrape (1) or not (0).',
  ['kind', 'target'],
);

export const buildInfo = gauge(
  'upkeep_build_info',
  'Build information of the running exporter; the value is always 1.',
  ['version', 'nodejs_version'],
);

export const seriesCount = untyped(
  'upkeep_series_count',
  'Number of upkeep_* series in this scrape, this one included: the exporter\'s own cardinality.',
  [],
);
