/**
 * Every PromQL expression the app runs, in one place: the contract test
 * checks each metric named here against what the exporter produces.
 */

/** A PromQL string literal. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `{target="main"}` or `{}`, with extra matchers. */
export function selector(target: string | undefined, ...extra: string[]): string {
  const matchers = [...(target ? [`target=${promString(target)}`] : []), ...extra];
  return `{${matchers.join(',')}}`;
}

/** The Overview: every target at once. */
export const overviewQueries = {
  up: 'upkeep_target_up',
  backupAge: 'time() - max by (target, source) (upkeep_backup_last_success_timestamp_seconds)',
  backupSourceDown: 'upkeep_backup_source_up == 0',
  lagSeconds: 'max by (target, standby) (upkeep_pg_replication_lag_seconds{kind="replay"})',
  lagBytes: 'max by (target, standby) (upkeep_pg_replication_lag_bytes)',
  // Per database, as PgCacheHitRatioLow judges it (its traffic guard too).
  pgBlocksHit: 'sum by (target, datname) (rate(upkeep_pg_database_blocks_hit_total[10m]))',
  pgBlocksRead: 'sum by (target, datname) (rate(upkeep_pg_database_blocks_read_total[10m]))',
  redisHits: 'rate(upkeep_redis_keyspace_hits_total[10m])',
  redisMisses: 'rate(upkeep_redis_keyspace_misses_total[10m])',
  bloatRatio: 'upkeep_pg_table_bloat_ratio{table!="other"}',
  bloatBytes: 'upkeep_pg_table_bloat_bytes{table!="other"}',
  longestQuery: 'upkeep_pg_longest_query_seconds',
  certSecondsLeft: 'min by (target, source) (upkeep_tls_earliest_cert_expiry_timestamp_seconds) - time()',
  diskUsed: '1 - upkeep_disk_avail_bytes / (upkeep_disk_size_bytes > 0)',
  failingCollectors: 'upkeep_collector_success == 0',
};

export const backupQueries = (target: string) => ({
  sourceUp: `upkeep_backup_source_up${selector(target)}`,
  sourceInfo: `upkeep_backup_source_info${selector(target)}`,
  sourceError: `upkeep_backup_source_error_info${selector(target)}`,
  lastSuccess: `upkeep_backup_last_success_timestamp_seconds${selector(target)}`,
  lastSize: `upkeep_backup_last_size_bytes${selector(target)}`,
  lastDuration: `upkeep_backup_last_duration_seconds${selector(target)}`,
  count: `upkeep_backups${selector(target)}`,
  rejected: `upkeep_backups_rejected${selector(target)} > 0`,
  lastVerified: `upkeep_backup_last_verified_timestamp_seconds${selector(target)}`,
  archiveEnabled: `upkeep_pg_wal_archive_enabled${selector(target)}`,
  archiveLastSuccess: `upkeep_pg_wal_archive_last_success_timestamp_seconds${selector(target)}`,
  archiveLastFailure: `upkeep_pg_wal_archive_last_failure_timestamp_seconds${selector(target)}`,
});

export const redisPersistenceQueries = (target: string) => ({
  lastSave: `upkeep_redis_rdb_last_save_timestamp_seconds${selector(target)}`,
  saveAge: `time() - upkeep_redis_rdb_last_save_timestamp_seconds${selector(target)}`,
  lastBgsaveOk: `upkeep_redis_rdb_last_bgsave_success${selector(target)}`,
  changesSinceSave: `upkeep_redis_rdb_changes_since_last_save${selector(target)}`,
  bgsaveInProgress: `upkeep_redis_rdb_bgsave_in_progress${selector(target)}`,
  aofEnabled: `upkeep_redis_aof_enabled${selector(target)}`,
});

export const replicationQueries = (target: string) => ({
  info: `upkeep_postgres_info${selector(target)}`,
  standbys: `upkeep_pg_replication_standbys${selector(target)}`,
  lagSeconds: `upkeep_pg_replication_lag_seconds${selector(target)}`,
  lagBytes: `upkeep_pg_replication_lag_bytes${selector(target)}`,
  slotRetained: `upkeep_pg_replication_slot_retained_bytes${selector(target)}`,
  slotActive: `upkeep_pg_replication_slot_active${selector(target)}`,
  slotSafe: `upkeep_pg_replication_slot_safe_wal_bytes${selector(target)}`,
  slotInfo: `upkeep_pg_replication_slot_info${selector(target)}`,
  receiverUp: `upkeep_pg_wal_receiver_up${selector(target)}`,
  replayDelay: `time() - upkeep_pg_standby_last_replay_timestamp_seconds${selector(target)}`,
  receiveBacklog: `upkeep_pg_standby_receive_lsn_bytes${selector(target)} - upkeep_pg_standby_replay_lsn_bytes${selector(target)}`,
  lastMessageAge: `time() - upkeep_pg_wal_receiver_last_message_timestamp_seconds${selector(target)}`,
  heartbeatAge: `time() - upkeep_pg_heartbeat_timestamp_seconds${selector(target)}`,
});

export const queryQueries = (target: string) => ({
  topByTime: `topk(25, rate(upkeep_pg_statement_exec_seconds_total${selector(target, 'queryid!="other"')}[5m]))`,
  calls: `rate(upkeep_pg_statement_calls_total${selector(target, 'queryid!="other"')}[5m])`,
  rows: `rate(upkeep_pg_statement_rows_total${selector(target, 'queryid!="other"')}[5m])`,
  mean: `upkeep_pg_statement_mean_seconds${selector(target)}`,
  text: `upkeep_pg_statement_info${selector(target)}`,
  available: `upkeep_pg_statements_available${selector(target)}`,
  longestQuery: `upkeep_pg_longest_query_seconds${selector(target)}`,
  idleInTransaction: `upkeep_pg_idle_in_transaction_longest_seconds${selector(target)}`,
  blocked: `upkeep_pg_blocked_sessions${selector(target)}`,
});

export const bloatQueries = (target: string) => ({
  bloatBytes: `upkeep_pg_table_bloat_bytes${selector(target, 'table!="other"')}`,
  bloatRatio: `upkeep_pg_table_bloat_ratio${selector(target, 'table!="other"')}`,
  deadTuples: `upkeep_pg_table_dead_tuples${selector(target, 'table!="other"')}`,
  size: `upkeep_pg_table_size_bytes${selector(target, 'table!="other"')}`,
  lastVacuum: `upkeep_pg_table_last_vacuum_timestamp_seconds${selector(target, 'table!="other"')}`,
  lastAnalyze: `upkeep_pg_table_last_analyze_timestamp_seconds${selector(target, 'table!="other"')}`,
  xidAge: `upkeep_pg_database_xid_age${selector(target)}`,
  invalidIndexes: `upkeep_pg_invalid_indexes${selector(target)}`,
  refreshedAt: `upkeep_collector_last_success_timestamp_seconds${selector(target, 'collector="pg_bloat"')}`,
});

export const certificateQueries = {
  /** Seconds left, computed by Prometheus at query time. */
  certSecondsLeft: 'upkeep_tls_cert_not_after_timestamp_seconds - time()',
  earliest: 'upkeep_tls_earliest_cert_expiry_timestamp_seconds',
  verified: 'upkeep_tls_cert_verified',
  hostnameMatch: 'upkeep_tls_cert_hostname_match',
  probeError: 'upkeep_tls_probe_error_info',
  fileError: 'upkeep_tls_file_error_info',
  diskSize: 'upkeep_disk_size_bytes',
  diskAvail: 'upkeep_disk_avail_bytes',
  diskFiles: 'upkeep_disk_files',
  diskFilesFree: 'upkeep_disk_files_free',
  diskReadonly: 'upkeep_disk_readonly',
  diskError: 'upkeep_disk_probe_error_info',
};
