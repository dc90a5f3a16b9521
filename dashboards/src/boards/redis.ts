/** Redis: hit ratio, memory against maxmemory, evictions, clients, persistence. */
import { appUrl } from '../appLinks.js';
import { dashboard } from '../dashboard.js';
import { fromRow, fromSeries, RED_BELOW_ONE, row, stat, table, TARGET, thresholdSteps, timeseries, yesNo, type JsonObject } from '../panels.js';

const hits = `sum by (target) (rate(upkeep_redis_keyspace_hits_total{${TARGET}}[$__rate_interval]))`;
const misses = `sum by (target) (rate(upkeep_redis_keyspace_misses_total{${TARGET}}[$__rate_interval]))`;

/** A snapshot now: the bgsave button lives with the other backups in the app. */
const bgsaveLink = { title: 'Snapshot ${__field.labels.target} (BGSAVE) in the Upkeep app', url: appUrl('backups', { target: fromSeries('target'), action: 'redis-bgsave' }) };

export function redis(): JsonObject {
  return dashboard({
    uid: 'upkeep-redis',
    title: 'Upkeep / Redis',
    description: 'Redis targets: how well the cache serves, how close to maxmemory it is, what it evicts, and when it last saved a snapshot.',
    targetsFrom: 'upkeep_redis_up',
    pages: ['overview', 'backups', 'jobs'],
    panels: [
      row('Cache'),
      stat({
        title: 'Up',
        description: 'Whether Redis answered INFO in the last scrape.',
        width: 4,
        queries: [{ expr: `min by (target) (upkeep_redis_up{${TARGET}})`, legend: '{{target}}' }],
        mappings: yesNo('down', 'up'),
        steps: RED_BELOW_ONE,
      }),
      timeseries({
        title: 'Hit ratio',
        description: 'Share of key lookups that found their key over the rate interval. Dashed: the alert levels.',
        width: 10,
        unit: 'percentunit',
        max: 1,
        queries: [{ expr: `${hits} / (${hits} + ${misses})`, legend: '{{target}}' }],
        steps: thresholdSteps('redisHitRatio'),
      }),
      timeseries({
        title: 'Commands and lookups',
        description: 'Commands processed, and key lookups (hits plus misses), per second.',
        width: 10,
        unit: 'ops',
        queries: [
          { expr: `sum by (target) (rate(upkeep_redis_commands_processed_total{${TARGET}}[$__rate_interval]))`, legend: '{{target}} commands' },
          { expr: `${hits} + ${misses}`, legend: '{{target}} lookups' },
        ],
      }),
      timeseries({
        title: 'Memory',
        description: 'Memory Redis uses for data, its maxmemory (0: no limit) and the resident set of the process.',
        width: 12,
        unit: 'bytes',
        queries: [
          { expr: `max by (target) (upkeep_redis_memory_used_bytes{${TARGET}})`, legend: '{{target}} used' },
          { expr: `max by (target) (upkeep_redis_memory_max_bytes{${TARGET}} > 0)`, legend: '{{target}} maxmemory' },
          { expr: `max by (target) (upkeep_redis_memory_rss_bytes{${TARGET}})`, legend: '{{target}} RSS' },
        ],
      }),
      timeseries({
        title: 'Evicted and expired keys',
        description: 'Keys evicted at maxmemory and keys expired by their TTL, per second. Evictions drop data before its time.',
        width: 12,
        unit: 'ops',
        queries: [
          { expr: `sum by (target) (rate(upkeep_redis_evicted_keys_total{${TARGET}}[$__rate_interval]))`, legend: '{{target}} evicted' },
          { expr: `sum by (target) (rate(upkeep_redis_expired_keys_total{${TARGET}}[$__rate_interval]))`, legend: '{{target}} expired' },
        ],
        steps: thresholdSteps('redisEvictionsPerSecond'),
      }),
      timeseries({
        title: 'Clients',
        description: 'Connected clients against maxclients, and connections refused at the limit per second.',
        width: 12,
        unit: 'short',
        queries: [
          { expr: `max by (target) (upkeep_redis_connected_clients{${TARGET}})`, legend: '{{target}} clients' },
          { expr: `max by (target) (upkeep_redis_max_clients{${TARGET}})`, legend: '{{target}} maxclients' },
          { expr: `sum by (target) (rate(upkeep_redis_rejected_connections_total{${TARGET}}[$__rate_interval]))`, legend: '{{target}} refused/s' },
        ],
      }),
      table({
        title: 'Keys per database',
        description: 'Keys, and keys with a TTL, per logical database.',
        width: 12,
        queries: [
          { expr: `max by (target, db) (upkeep_redis_keys{${TARGET}})` },
          { expr: `max by (target, db) (upkeep_redis_expiring_keys{${TARGET}})` },
        ],
        values: ['Keys', 'With TTL'],
        links: [{ title: '${__data.fields.target} in the Upkeep app', url: appUrl('overview', { target: fromRow('target') }) }],
      }),
      row('Persistence'),
      stat({
        title: 'Since the last snapshot',
        description: 'Time since the last successful RDB save. It matters when there are unsaved changes and AOF is off.',
        width: 6,
        unit: 's',
        queries: [{ expr: `time() - max by (target) (upkeep_redis_rdb_last_save_timestamp_seconds{${TARGET}})`, legend: '{{target}}' }],
        steps: thresholdSteps('redisPersistenceAgeSeconds'),
        links: [bgsaveLink],
      }),
      stat({
        title: 'Changes since the snapshot',
        description: 'Writes a restart would lose without AOF.',
        width: 6,
        queries: [{ expr: `max by (target) (upkeep_redis_rdb_changes_since_last_save{${TARGET}})`, legend: '{{target}}' }],
        links: [bgsaveLink],
      }),
      stat({
        title: 'Last BGSAVE',
        description: 'Whether the last background save succeeded. When it failed, the Redis log says why (often a full disk).',
        width: 6,
        queries: [{ expr: `min by (target) (upkeep_redis_rdb_last_bgsave_success{${TARGET}})`, legend: '{{target}}' }],
        mappings: yesNo('failed', 'ok'),
        steps: RED_BELOW_ONE,
        links: [bgsaveLink],
      }),
      stat({
        title: 'AOF',
        description: 'Whether the append-only file is on, and its last write succeeded.',
        width: 6,
        queries: [
          { expr: `max by (target) (upkeep_redis_aof_enabled{${TARGET}})`, legend: '{{target}} enabled' },
          { expr: `min by (target) (upkeep_redis_aof_last_write_success{${TARGET}})`, legend: '{{target}} last write ok' },
        ],
        mappings: yesNo('no', 'yes'),
      }),
      timeseries({
        title: 'Replicas attached',
        description: 'Replicas connected to each Redis master.',
        width: 12,
        unit: 'short',
        queries: [{ expr: `max by (target) (upkeep_redis_connected_replicas{${TARGET}})`, legend: '{{target}}' }],
      }),
      timeseries({
        title: 'BGSAVE duration',
        description: 'How long the last background save took.',
        width: 12,
        unit: 's',
        queries: [{ expr: `max by (target) (upkeep_redis_rdb_last_bgsave_duration_seconds{${TARGET}})`, legend: '{{target}}' }],
      }),
    ],
  });
}
