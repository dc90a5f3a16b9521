/**
 * Table and database upkeep (bloat, dead rows, vacuum, wraparound, invalid
 * indexes) and sessions that hold everything up. Per-table rules skip the
 * `other` aggregate (schema=""): a sum of small tables is nothing to vacuum.
 */
import { extra } from '../thresholds.js';
import type { GroupDefinition } from '../model.js';

const TABLE = 'target, datname, schema, table';

export const tables: GroupDefinition = {
  name: 'upkeep-tables',
  alerts: [
    {
      name: 'TableBloatHigh',
      threshold: 'tableBloatRatio',
      value: (t) =>
        `max by (${TABLE}) (upkeep_pg_table_bloat_ratio{schema!=""}) and on (${TABLE}) (max by (${TABLE}) (upkeep_pg_table_bloat_bytes) > ${extra(t, 'minBloatBytes')})`,
      unit: 'ratio',
      for: '30m',
      summary: 'Table {{ $labels.schema }}.{{ $labels.table }} in {{ $labels.datname }} on {{ $labels.target }} is {{value}} bloat',
      description:
        'An estimated {{value}} of table {{ $labels.schema }}.{{ $labels.table }} (database {{ $labels.datname }}, target {{ $labels.target }}) is dead space (above {{threshold}}, and more than 100 MiB). Scans read it, caches hold it, backups copy it.',
      fix: { page: 'bloat', action: 'vacuum' },
    },
    {
      name: 'DeadTuplesHigh',
      threshold: 'deadTuples',
      value: `max by (${TABLE}) (upkeep_pg_table_dead_tuples{schema!=""})`,
      unit: 'count',
      for: '30m',
      summary: 'Table {{ $labels.schema }}.{{ $labels.table }} in {{ $labels.datname }} on {{ $labels.target }} has {{value}} dead rows',
      description:
        'Table {{ $labels.schema }}.{{ $labels.table }} (database {{ $labels.datname }}, target {{ $labels.target }}) holds {{value}} dead rows (above {{threshold}}): autovacuum is not keeping up with it, or something stops it from removing them.',
      fix: { page: 'bloat', action: 'vacuum' },
    },
    {
      name: 'VacuumStale',
      threshold: 'vacuumAgeSeconds',
      value: (t) =>
        `(time() - max by (${TABLE}) (upkeep_pg_table_last_vacuum_timestamp_seconds)) and on (${TABLE}) (max by (${TABLE}) (upkeep_pg_table_dead_tuples) > ${extra(t, 'minDeadTuples')})`,
      unit: 'duration',
      for: '1h',
      summary: 'Table {{ $labels.schema }}.{{ $labels.table }} in {{ $labels.datname }} on {{ $labels.target }}: last vacuum {{value}} ago',
      description:
        'Table {{ $labels.schema }}.{{ $labels.table }} (database {{ $labels.datname }}, target {{ $labels.target }}) has dead rows and was last vacuumed, by hand or by autovacuum, {{value}} ago (more than {{threshold}}).',
      fix: { page: 'bloat', action: 'vacuum' },
    },
    {
      name: 'XidWraparoundRisk',
      threshold: 'xidAge',
      value: 'max by (target, datname) (upkeep_pg_database_xid_age)',
      unit: 'count',
      for: '15m',
      summary: 'Database {{ $labels.datname }} on {{ $labels.target }}: transaction ID age {{value}}',
      description:
        'The oldest unfrozen transaction ID in database {{ $labels.datname }} on {{ $labels.target }} is {{value}} transactions old (above {{threshold}}). PostgreSQL stops accepting writes before it reaches 2^31 (about 2.1 billion) unless VACUUM freezes the old rows.',
      fix: { page: 'bloat', action: 'vacuum' },
    },
    {
      name: 'InvalidIndex',
      threshold: { direction: 'above', warning: 0 },
      value: 'max by (target, datname) (upkeep_pg_invalid_indexes)',
      unit: 'count',
      for: '1h',
      summary: 'Database {{ $labels.datname }} on {{ $labels.target }} has {{value}} invalid index(es)',
      description:
        'Database {{ $labels.datname }} on {{ $labels.target }} has had {{value}} invalid index(es) for {{for}}: left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY. Queries cannot use them, yet every write still maintains them.',
      fix: { page: 'bloat', action: 'reindex' },
    },
    {
      name: 'LongRunningQuery',
      threshold: 'longestQuerySeconds',
      value: 'max by (target) (upkeep_pg_longest_query_seconds)',
      unit: 'duration',
      for: '2m',
      summary: 'A query on {{ $labels.target }} has been running for {{value}}',
      description:
        'The longest-running active query on {{ $labels.target }} started {{value}} ago (more than {{threshold}}). It may hold locks others wait for and keeps VACUUM from removing rows that died since it started.',
      fix: { page: 'queries', action: 'cancel-query' },
    },
    {
      name: 'IdleInTransaction',
      threshold: 'idleInTransactionSeconds',
      value: 'max by (target) (upkeep_pg_idle_in_transaction_longest_seconds)',
      unit: 'duration',
      for: '2m',
      summary: 'A session on {{ $labels.target }} has been idle in a transaction for {{value}}',
      description:
        'A session on {{ $labels.target }} opened a transaction and has done nothing in it for {{value}} (more than {{threshold}}). It holds its locks and its snapshot: VACUUM cannot remove rows that died since, and other sessions may be waiting.',
      fix: { page: 'queries', action: 'terminate-backend' },
    },
  ],
};
