/**
 * Recording rules: the ages and ratios the alerts, the dashboards' readers
 * and the Grafana app can share. The exporter publishes timestamps and
 * counters (never ages or ratios: those depend on when you ask and over
 * what window); these turn them into the numbers people reason about.
 *
 * Per-server facts are aggregated `by (target, …)`, so two exporter replicas
 * watching one server give one series, not two. Disk series keep every label:
 * a path on two exporter hosts is two filesystems.
 */

export interface RecordingRule {
  record: string;
  expr: string;
}

export const RECORDING_GROUP = 'upkeep-recording';

export const recordingRules: readonly RecordingRule[] = [
  {
    record: 'upkeep:backup_age_seconds',
    // 0 (no backup at all) gives the age since 1970: a source without a backup must alert.
    expr: 'time() - max by (target, source) (upkeep_backup_last_success_timestamp_seconds)',
  },
  {
    record: 'upkeep:backup_verify_age_seconds',
    expr: 'time() - max by (target, source) (upkeep_backup_last_verified_timestamp_seconds)',
  },
  {
    record: 'upkeep:pg_cache_blocks:rate10m',
    expr: 'sum by (target, datname) (rate(upkeep_pg_database_blocks_hit_total[10m])) + sum by (target, datname) (rate(upkeep_pg_database_blocks_read_total[10m]))',
  },
  {
    record: 'upkeep:pg_cache_hit_ratio:rate10m',
    // Over a rate window, not since the server started: the lifetime ratio hides this morning's cold cache.
    expr: 'sum by (target, datname) (rate(upkeep_pg_database_blocks_hit_total[10m])) / upkeep:pg_cache_blocks:rate10m',
  },
  {
    record: 'upkeep:redis_lookups:rate10m',
    expr: 'sum by (target) (rate(upkeep_redis_keyspace_hits_total[10m])) + sum by (target) (rate(upkeep_redis_keyspace_misses_total[10m]))',
  },
  {
    record: 'upkeep:redis_hit_ratio:rate10m',
    expr: 'sum by (target) (rate(upkeep_redis_keyspace_hits_total[10m])) / upkeep:redis_lookups:rate10m',
  },
  {
    record: 'upkeep:cert_days_left',
    // The earliest expiry in the chain: an intermediate can expire before the leaf.
    expr: '(min by (target, source) (upkeep_tls_earliest_cert_expiry_timestamp_seconds) - time()) / 86400',
  },
  {
    record: 'upkeep:disk_used_ratio',
    // avail, not free: root's reserve is no use to PostgreSQL running as postgres.
    expr: '1 - upkeep_disk_avail_bytes / (upkeep_disk_size_bytes > 0)',
  },
  {
    record: 'upkeep:disk_inodes_free_ratio',
    expr: 'upkeep_disk_files_free / (upkeep_disk_files > 0)',
  },
  {
    record: 'upkeep:disk_full_in_seconds:deriv6h',
    // The least-squares slope of the last 6 hours (the one predict_linear extrapolates with):
    // only filesystems that are filling have a series; avail / slope is the time left.
    expr: 'upkeep_disk_avail_bytes / (-deriv(upkeep_disk_avail_bytes[6h]) > 0)',
  },
];

const NAME = /upkeep:[a-z0-9_:]+/g;

/**
 * `expr` with every recording rule it names replaced by that rule's own
 * expression (recursively): for Grafana-managed rules, which must work
 * against any Prometheus that scrapes the exporter, with or without these
 * recording rules loaded.
 */
export function inlineRecordingRules(expr: string, rules: readonly RecordingRule[] = recordingRules): string {
  return expr.replace(NAME, (name, offset: number) => {
    const rule = rules.find((r) => r.record === name);
    if (!rule) throw new Error(`${name} is not a recording rule defined in alerts/src/recordingRules.ts`);
    const next = expr[offset + name.length];
    if (next === '{' || next === '[') throw new Error(`${name} is used with a selector or range in "${expr}"; Grafana rules could not inline it`);
    return `(${inlineRecordingRules(rule.expr, rules)})`;
  });
}
