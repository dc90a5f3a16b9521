/**
 * Redis health, cache efficiency, memory, persistence and replication, from
 * one INFO round trip per scrape.
 *
 * Plain INFO (the default sections) rather than `INFO section …`: asking for
 * several sections at once needs Redis 7, and the default reply is a few
 * kilobytes that already hold everything below. INFO and the probe's PING are
 * no keyspace lookups, so the exporter never moves the hit and miss counters
 * it reports. A field the server does not report (an older version, Sentinel)
 * leaves its series out rather than failing the collector.
 */
import { counter, gauge, type MetricFamily } from '../metrics/family.js';
import { liveCollector, type Emit } from './types.js';
import { infoNumber, infoStatus, parseRedisInfo, replicationRole, type RedisInfo } from './redisInfoParser.js';

export const redisUp = gauge(
  'upkeep_redis_up',
  'Whether Redis answered INFO in this scrape (1) or not (0: down, unreachable, or INFO refused; the error is in the exporter log once per change).',
  ['target'],
);

export const redisInfo = gauge(
  'upkeep_redis_info',
  'Redis server facts; the value is always 1. role is master or replica, mode standalone, cluster or sentinel.',
  ['target', 'role', 'version', 'mode', 'maxmemory_policy'],
);

export const keyspaceHits = counter('upkeep_redis_keyspace_hits_total', 'Key lookups that found the key (INFO keyspace_hits).', ['target']);
export const keyspaceMisses = counter('upkeep_redis_keyspace_misses_total', 'Key lookups that did not find the key (INFO keyspace_misses).', ['target']);
export const evictedKeys = counter('upkeep_redis_evicted_keys_total', 'Keys evicted because memory reached maxmemory (INFO evicted_keys).', ['target']);
export const expiredKeys = counter('upkeep_redis_expired_keys_total', 'Keys deleted because their TTL ran out (INFO expired_keys).', ['target']);
export const commandsProcessed = counter('upkeep_redis_commands_processed_total', 'Commands the server has processed (INFO total_commands_processed).', ['target']);
export const rejectedConnections = counter(
  'upkeep_redis_rejected_connections_total',
  'Connections refused because maxclients was reached (INFO rejected_connections).',
  ['target'],
);

export const memoryUsed = gauge('upkeep_redis_memory_used_bytes', 'Memory allocated by Redis, in bytes: what maxmemory is compared with (INFO used_memory).', ['target']);
export const memoryMax = gauge('upkeep_redis_memory_max_bytes', 'The maxmemory limit in bytes; 0 means no limit (INFO maxmemory).', ['target']);
export const memoryRss = gauge(
  'upkeep_redis_memory_rss_bytes',
  'Memory the operating system gives the Redis process, in bytes, fragmentation included (INFO used_memory_rss).',
  ['target'],
);

export const connectedClients = gauge('upkeep_redis_connected_clients', 'Client connections open, replicas not counted (INFO connected_clients).', ['target']);
export const maxClients = gauge('upkeep_redis_max_clients', 'The maxclients limit on client connections (INFO maxclients).', ['target']);

export const rdbLastSave = gauge(
  'upkeep_redis_rdb_last_save_timestamp_seconds',
  'Unix time of the last successful RDB save, or of the server start when none has succeeded since (INFO rdb_last_save_time).',
  ['target'],
);
export const rdbLastBgsaveSuccess = gauge(
  'upkeep_redis_rdb_last_bgsave_success',
  'Whether the last background RDB save succeeded (1) or failed (0); 1 when none ran yet (INFO rdb_last_bgsave_status).',
  ['target'],
);
export const rdbLastBgsaveDuration = gauge(
  'upkeep_redis_rdb_last_bgsave_duration_seconds',
  'How long the last background RDB save took, in seconds; absent until one has run (INFO rdb_last_bgsave_time_sec).',
  ['target'],
);
export const rdbChangesSinceLastSave = gauge(
  'upkeep_redis_rdb_changes_since_last_save',
  'Writes since the last RDB save: what a crash now would lose without AOF (INFO rdb_changes_since_last_save).',
  ['target'],
);
export const rdbBgsaveInProgress = gauge('upkeep_redis_rdb_bgsave_in_progress', 'Whether a background RDB save is running (1) or not (0).', ['target']);

export const aofEnabled = gauge('upkeep_redis_aof_enabled', 'Whether the append-only file is on (1) or off (0) (INFO aof_enabled).', ['target']);
export const aofLastWriteSuccess = gauge(
  'upkeep_redis_aof_last_write_success',
  'Whether the last write to the append-only file succeeded (1) or failed (0); Redis refuses writes after a failure (INFO aof_last_write_status).',
  ['target'],
);
export const aofLastRewriteSuccess = gauge(
  'upkeep_redis_aof_last_rewrite_success',
  'Whether the last append-only file rewrite succeeded (1) or failed (0); 1 when none ran yet (INFO aof_last_bgrewrite_status).',
  ['target'],
);

export const masterLinkUp = gauge(
  'upkeep_redis_master_link_up',
  'On a replica: whether its link to the master is up (1) or down (0) (INFO master_link_status); absent on a master.',
  ['target'],
);
export const connectedReplicas = gauge('upkeep_redis_connected_replicas', 'Replicas connected to this server (INFO connected_slaves).', ['target']);

export const keys = gauge('upkeep_redis_keys', 'Keys in the logical database; databases without keys are absent (INFO keyspace).', ['target', 'db']);
export const expiringKeys = gauge('upkeep_redis_expiring_keys', 'Keys with a TTL in the logical database (INFO keyspace expires).', ['target', 'db']);

/** Families that copy one numeric INFO field as it is. */
const numericFields: readonly (readonly [MetricFamily<'target'>, string])[] = [
  [keyspaceHits, 'keyspace_hits'],
  [keyspaceMisses, 'keyspace_misses'],
  [evictedKeys, 'evicted_keys'],
  [expiredKeys, 'expired_keys'],
  [commandsProcessed, 'total_commands_processed'],
  [rejectedConnections, 'rejected_connections'],
  [memoryUsed, 'used_memory'],
  [memoryMax, 'maxmemory'],
  [memoryRss, 'used_memory_rss'],
  [connectedClients, 'connected_clients'],
  [maxClients, 'maxclients'],
  [rdbLastSave, 'rdb_last_save_time'],
  [rdbChangesSinceLastSave, 'rdb_changes_since_last_save'],
  [rdbBgsaveInProgress, 'rdb_bgsave_in_progress'],
  [aofEnabled, 'aof_enabled'],
  [connectedReplicas, 'connected_slaves'],
];

/** Families that turn an `ok`/`err` status field into 1/0. */
const statusFields: readonly (readonly [MetricFamily<'target'>, string])[] = [
  [rdbLastBgsaveSuccess, 'rdb_last_bgsave_status'],
  [aofLastWriteSuccess, 'aof_last_write_status'],
  [aofLastRewriteSuccess, 'aof_last_bgrewrite_status'],
];

function emitInfo(info: RedisInfo, emit: Emit): void {
  emit(
    redisInfo,
    {
      role: replicationRole(info) ?? 'unknown',
      version: info.fields.get('redis_version') ?? 'unknown',
      mode: info.fields.get('redis_mode') ?? 'unknown',
      maxmemory_policy: info.fields.get('maxmemory_policy') ?? 'unknown',
    },
    1,
  );
  for (const [family, field] of numericFields) {
    const value = infoNumber(info, field);
    if (value !== undefined) emit(family, {}, value);
  }
  for (const [family, field] of statusFields) {
    const value = infoStatus(info, field);
    if (value !== undefined) emit(family, {}, value);
  }
  // -1 until a background save has run.
  const bgsaveSeconds = infoNumber(info, 'rdb_last_bgsave_time_sec');
  if (bgsaveSeconds !== undefined && bgsaveSeconds >= 0) emit(rdbLastBgsaveDuration, {}, bgsaveSeconds);
  if (replicationRole(info) === 'replica') emit(masterLinkUp, {}, info.fields.get('master_link_status') === 'up' ? 1 : 0);
  // At most `databases` entries (16 by default), and only those holding keys.
  for (const { db, keys: count, expires } of info.keyspace) {
    emit(keys, { db }, count);
    emit(expiringKeys, { db }, expires);
  }
}

export const redis = liveCollector({
  name: 'redis',
  description: 'Redis up, keyspace hits and misses, evictions, memory against maxmemory, clients, RDB and AOF persistence, replication, keys per database.',
  mode: 'live',
  targetKind: 'redis',
  families: [
    redisUp,
    redisInfo,
    ...numericFields.map(([family]) => family),
    ...statusFields.map(([family]) => family),
    rdbLastBgsaveDuration,
    masterLinkUp,
    keys,
    expiringKeys,
  ],
  async collect({ target, emit }) {
    // The client fails at once while disconnected (no offline queue) and
    // bounds a hung server with its command timeout.
    const text = await target.client.info();
    emit(redisUp, {}, 1);
    emitInfo(parseRedisInfo(text), emit);
  },
  // When the probe found Redis down, or INFO failed, there are no samples;
  // `upkeep_redis_up` still reads 0 rather than vanishing.
  emitUnavailable: (emit) => emit(redisUp, {}, 0),
});
