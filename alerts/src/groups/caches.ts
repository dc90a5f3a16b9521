/** PostgreSQL's shared buffers and Redis: hit ratios, memory, evictions, persistence. */
import { extra } from '../thresholds.js';
import type { GroupDefinition } from '../model.js';

export const caches: GroupDefinition = {
  name: 'upkeep-caches',
  alerts: [
    {
      name: 'PgCacheHitRatioLow',
      threshold: 'pgCacheHitRatio',
      // A quiet database's ratio swings on a handful of reads: only judge one with real traffic.
      value: (t) => `upkeep:pg_cache_hit_ratio:rate10m and on (target, datname) (upkeep:pg_cache_blocks:rate10m > ${extra(t, 'minBlocksPerSecond')})`,
      unit: 'ratio',
      for: '15m',
      summary: 'Database {{ $labels.datname }} on {{ $labels.target }}: cache hit ratio {{value}}',
      description:
        'Over the last 10 minutes only {{value}} of the blocks database {{ $labels.datname }} on {{ $labels.target }} read came from shared buffers (below {{threshold}}). The rest came from the OS cache or disk: queries are slower and the disks busier.',
      fix: { page: 'queries' },
    },
    {
      name: 'RedisHitRatioLow',
      threshold: 'redisHitRatio',
      value: (t) => `upkeep:redis_hit_ratio:rate10m and on (target) (upkeep:redis_lookups:rate10m > ${extra(t, 'minLookupsPerSecond')})`,
      unit: 'ratio',
      for: '15m',
      summary: 'Redis {{ $labels.target }}: hit ratio {{value}}',
      description:
        'Over the last 10 minutes only {{value}} of the key lookups on Redis {{ $labels.target }} found their key (below {{threshold}}). The callers fall through to the slower source behind the cache.',
      fix: { page: 'overview' },
    },
    {
      name: 'RedisEvicting',
      threshold: 'redisEvictionsPerSecond',
      value: 'sum by (target) (rate(upkeep_redis_evicted_keys_total[10m]))',
      unit: 'perSecond',
      for: '10m',
      summary: 'Redis {{ $labels.target }} is evicting keys ({{value}})',
      description:
        'Redis {{ $labels.target }} has been evicting keys at {{value}} over the last 10 minutes (above {{threshold}}) because it reached maxmemory. Data written there is being dropped before its TTL.',
      fix: { page: 'overview' },
    },
    {
      name: 'RedisMemoryNearMax',
      threshold: 'redisMemoryRatio',
      value: 'max by (target) (upkeep_redis_memory_used_bytes) / max by (target) (upkeep_redis_memory_max_bytes > 0)',
      unit: 'ratio',
      for: '10m',
      summary: 'Redis {{ $labels.target }} uses {{value}} of maxmemory',
      description:
        'Redis {{ $labels.target }} uses {{value}} of its maxmemory (above {{threshold}}). At the limit it evicts keys or, with maxmemory-policy noeviction, refuses writes.',
      fix: { page: 'overview' },
    },
    {
      name: 'RedisPersistenceStale',
      threshold: 'redisPersistenceAgeSeconds',
      // Only with unsaved changes, and only when the RDB snapshot is the persistence (AOF off).
      value:
        '(time() - max by (target) (upkeep_redis_rdb_last_save_timestamp_seconds)) and on (target) (max by (target) (upkeep_redis_rdb_changes_since_last_save) > 0) unless on (target) (max by (target) (upkeep_redis_aof_enabled) == 1)',
      unit: 'duration',
      for: '10m',
      summary: 'Redis {{ $labels.target }}: last snapshot {{value}} ago, with unsaved changes',
      description:
        'Redis {{ $labels.target }} last saved an RDB snapshot {{value}} ago (more than {{threshold}}) and has changes since; AOF is off. A restart now loses everything written since that snapshot.',
      fix: { page: 'backups', action: 'redis-bgsave' },
    },
  ],
};
