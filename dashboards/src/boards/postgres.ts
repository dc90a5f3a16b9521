/** PostgreSQL maintenance: replication, cache, bloat and vacuum, statements, sessions. */
import { appUrl } from '../appLinks.js';
import { dashboard } from '../dashboard.js';
import { fromRow, fromSeries, redFrom, row, stat, table, TARGET, thresholdSteps, timeseries, withMinInterval, yesNo, type JsonObject } from '../panels.js';

/** Per-database series: the `target` and `database` variables. */
const DB = `${TARGET}, datname=~"$database"`;
const TABLE = 'target, datname, schema, table';

/** The app's Bloat & vacuum page for a table row, with the action to run on it. */
const tableLink = (action: 'vacuum' | 'analyze' | 'reindex') => ({
  title: `${action} \${__data.fields.schema}.\${__data.fields.table} in the Upkeep app`,
  url: appUrl('bloat', { target: fromRow('target'), database: fromRow('datname'), table: `${fromRow('schema')}.${fromRow('table')}`, action }),
});

const hitRate = `sum by (target, datname) (rate(upkeep_pg_database_blocks_hit_total{${DB}}[$__rate_interval]))`;
const readRate = `sum by (target, datname) (rate(upkeep_pg_database_blocks_read_total{${DB}}[$__rate_interval]))`;

export function postgres(): JsonObject {
  return dashboard({
    uid: 'upkeep-postgres',
    title: 'Upkeep / PostgreSQL maintenance',
    description: 'Replication, cache, bloat and vacuum, statements and sessions of the PostgreSQL targets. Table rows link to the app page whose button fixes them.',
    targetsFrom: 'upkeep_postgres_info',
    extraVariables: [{ name: 'database', label: 'Database', query: 'label_values(upkeep_pg_database_blocks_hit_total{target=~"$target"}, datname)' }],
    pages: ['replication', 'bloat', 'queries', 'jobs'],
    panels: [
      row('Replication'),
      timeseries({
        title: 'Replay lag per standby',
        description: 'How far each standby\'s replay is behind its primary, in time. It keeps growing while replay is stuck. Dashed: the alert levels.',
        width: 12,
        unit: 's',
        queries: [{ expr: `max by (target, standby) (upkeep_pg_replication_lag_seconds{${TARGET}, kind="replay"})`, legend: '{{target}} → {{standby}}' }],
        steps: thresholdSteps('replicationLagSeconds'),
        links: [{ title: 'Standby ${__field.labels.standby} in the Upkeep app', url: appUrl('replication', { target: fromSeries('target'), standby: fromSeries('standby') }) }],
      }),
      timeseries({
        title: 'Unreplayed WAL per standby',
        description: 'WAL the primary wrote that each standby has not replayed yet.',
        width: 12,
        unit: 'bytes',
        queries: [{ expr: `max by (target, standby) (upkeep_pg_replication_lag_bytes{${TARGET}})`, legend: '{{target}} → {{standby}}' }],
        steps: thresholdSteps('replicationLagBytes'),
        links: [{ title: 'Standby ${__field.labels.standby} in the Upkeep app', url: appUrl('replication', { target: fromSeries('target'), standby: fromSeries('standby') }) }],
      }),
      stat({
        title: 'Standbys streaming',
        description: 'Standbys connected to each primary now. One that disconnects leaves the lag panels: watch this count.',
        width: 6,
        queries: [{ expr: `max by (target) (upkeep_pg_replication_standbys{${TARGET}})`, legend: '{{target}}' }],
      }),
      stat({
        title: 'WAL receiver (standbys)',
        description: 'On each standby: whether its WAL receiver streams from the primary.',
        width: 6,
        queries: [{ expr: `min by (target) (upkeep_pg_wal_receiver_up{${TARGET}})`, legend: '{{target}}' }],
        mappings: yesNo('not streaming', 'streaming'),
        steps: [
          { color: 'red', value: null },
          { color: 'green', value: 1 },
        ],
      }),
      table({
        title: 'Replication slots',
        description: 'WAL each slot holds back, and whether a consumer is connected. An inactive slot retains WAL until it is dropped.',
        width: 12,
        queries: [
          { expr: `max by (target, slot) (upkeep_pg_replication_slot_retained_bytes{${TARGET}})` },
          { expr: `min by (target, slot) (upkeep_pg_replication_slot_active{${TARGET}})` },
        ],
        values: ['Retained WAL', 'Active'],
        unit: 'bytes',
        columns: { Active: { unit: 'none', mappings: yesNo('no consumer', 'yes') } },
        sortBy: { column: 'Retained WAL', desc: true },
        links: [{ title: 'Slot ${__data.fields.slot} in the Upkeep app', url: appUrl('replication', { target: fromRow('target'), slot: fromRow('slot') }) }],
      }),
      timeseries({
        title: 'WAL written',
        description: 'WAL each primary generates per second: what standbys, slots and the archiver must keep up with.',
        width: 12,
        unit: 'Bps',
        queries: [{ expr: `sum by (target) (rate(upkeep_pg_wal_position_bytes{${TARGET}}[$__rate_interval]))`, legend: '{{target}}' }],
      }),
      timeseries({
        title: 'Heartbeat age',
        description: 'Time since the heartbeat the primary wrote, as each node sees it (targets with `heartbeat` configured). On a standby it is the end-to-end lag even when the primary is idle.',
        width: 12,
        unit: 's',
        queries: [{ expr: `time() - max by (target) (upkeep_pg_heartbeat_timestamp_seconds{${TARGET}})`, legend: '{{target}}' }],
        steps: thresholdSteps('replicationLagSeconds'),
      }),
      row('Cache'),
      timeseries({
        title: 'Cache hit ratio per database',
        description: 'Share of block reads served from shared buffers over the rate interval. Below the dashed lines, queries wait on the disk.',
        width: 12,
        unit: 'percentunit',
        max: 1,
        queries: [{ expr: `${hitRate} / (${hitRate} + ${readRate})`, legend: '{{target}} / {{datname}}' }],
        steps: thresholdSteps('pgCacheHitRatio'),
        links: [{ title: 'Queries on ${__field.labels.datname} in the Upkeep app', url: appUrl('queries', { target: fromSeries('target'), database: fromSeries('datname') }) }],
      }),
      timeseries({
        title: 'Blocks read from outside shared buffers',
        description: 'Blocks per second each database had to read from the OS cache or disk.',
        width: 12,
        unit: 'short',
        queries: [{ expr: readRate, legend: '{{target}} / {{datname}}' }],
      }),
      withMinInterval(
        table({
          title: 'Tables reading the most from outside shared buffers',
          description: 'The top tables by blocks read from disk or the OS cache per second, heap and indexes together (read every minute, so rates span at least 5 minutes).',
          width: 24,
          queries: [{ expr: `topk(15, sum by (${TABLE}) (rate(upkeep_pg_table_blocks_read_total{${DB}, schema!=""}[$__rate_interval])))` }],
          values: ['Blocks read/s'],
          decimals: 1,
          sortBy: { column: 'Blocks read/s', desc: true },
          links: [tableLink('analyze')],
        }),
        '5m',
      ),
      row('Bloat and vacuum'),
      table({
        title: 'Most bloated tables',
        description: 'Estimated dead space per table (the pg_bloat estimate, refreshed every 15 minutes and after each vacuum). Plain VACUUM makes it reusable; VACUUM FULL returns it.',
        width: 12,
        height: 10,
        queries: [
          { expr: `topk(20, max by (${TABLE}) (upkeep_pg_table_bloat_bytes{${DB}, schema!=""}))` },
          { expr: `max by (${TABLE}) (upkeep_pg_table_bloat_ratio{${DB}, schema!=""})` },
        ],
        values: ['Bloat', 'Ratio'],
        unit: 'bytes',
        columns: { Ratio: { unit: 'percentunit', steps: thresholdSteps('tableBloatRatio') } },
        sortBy: { column: 'Bloat', desc: true },
        links: [tableLink('vacuum')],
      }),
      table({
        title: 'Most dead rows',
        description: 'Dead rows per table. Many, and autovacuum is falling behind or something holds them (a long transaction, a slot).',
        width: 12,
        height: 10,
        queries: [{ expr: `topk(20, max by (${TABLE}) (upkeep_pg_table_dead_tuples{${DB}, schema!=""}))` }],
        values: ['Dead rows'],
        unit: 'short',
        steps: thresholdSteps('deadTuples'),
        sortBy: { column: 'Dead rows', desc: true },
        links: [tableLink('vacuum')],
      }),
      table({
        title: 'Longest since vacuum',
        description: 'Time since each table was last vacuumed, by hand or by autovacuum.',
        width: 12,
        height: 10,
        queries: [{ expr: `topk(20, time() - max by (${TABLE}) (upkeep_pg_table_last_vacuum_timestamp_seconds{${DB}}))` }],
        values: ['Since vacuum'],
        unit: 's',
        steps: thresholdSteps('vacuumAgeSeconds'),
        sortBy: { column: 'Since vacuum', desc: true },
        links: [tableLink('vacuum')],
      }),
      table({
        title: 'Most bloated indexes',
        description: 'Estimated dead space per btree index. REINDEX CONCURRENTLY rebuilds an index without blocking writes.',
        width: 12,
        height: 10,
        queries: [{ expr: `topk(20, max by (${TABLE}, index) (upkeep_pg_index_bloat_bytes{${DB}, schema!="", index!="other"}))` }],
        values: ['Bloat'],
        unit: 'bytes',
        sortBy: { column: 'Bloat', desc: true },
        links: [
          {
            title: 'Reindex ${__data.fields.schema}.${__data.fields.index} in the Upkeep app',
            url: appUrl('bloat', { target: fromRow('target'), database: fromRow('datname'), index: `${fromRow('schema')}.${fromRow('index')}`, action: 'reindex' }),
          },
        ],
      }),
      timeseries({
        title: 'Transaction ID age',
        description: 'age(datfrozenxid) per database. PostgreSQL refuses writes before 2^31; VACUUM freezes old rows and brings it down.',
        width: 12,
        unit: 'short',
        queries: [{ expr: `max by (target, datname) (upkeep_pg_database_xid_age{${DB}})`, legend: '{{target}} / {{datname}}' }],
        steps: thresholdSteps('xidAge'),
        links: [{ title: 'Vacuum ${__field.labels.datname} in the Upkeep app', url: appUrl('bloat', { target: fromSeries('target'), database: fromSeries('datname'), action: 'vacuum' }) }],
      }),
      stat({
        title: 'Invalid indexes',
        description: 'Indexes left invalid by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY, per database.',
        width: 6,
        queries: [{ expr: `max by (target, datname) (upkeep_pg_invalid_indexes{${DB}})`, legend: '{{target}} / {{datname}}' }],
        steps: redFrom(1),
        links: [{ title: 'Reindex in the Upkeep app', url: appUrl('bloat', { target: fromSeries('target'), database: fromSeries('datname'), action: 'reindex' }) }],
      }),
      stat({
        title: 'Tables without a bloat estimate',
        description: 'Tables the estimate skipped: never analyzed, or statistics the exporter may not read (grant pg_read_all_data).',
        width: 6,
        queries: [{ expr: `max by (target, datname) (upkeep_pg_bloat_unestimated_tables{${DB}})`, legend: '{{target}} / {{datname}}' }],
      }),
      row('Statements'),
      withMinInterval(
        table({
          title: 'Statements taking the most time',
          description: 'Execution time per second of the top statements (pg_stat_statements, read every 30 s): 1 s/s is one backend busy all the time.',
          width: 24,
          height: 10,
          queries: [{ expr: `topk(20, sum by (target, datname, user, queryid) (rate(upkeep_pg_statement_exec_seconds_total{${DB}, queryid!="other"}[$__rate_interval])))` }],
          values: ['Time per second'],
          unit: 's',
          decimals: 3,
          sortBy: { column: 'Time per second', desc: true },
          links: [{ title: 'Queries on ${__data.fields.datname} in the Upkeep app', url: appUrl('queries', { target: fromRow('target'), database: fromRow('datname') }) }],
        }),
        '2m',
      ),
      withMinInterval(
        timeseries({
          title: 'Execution time per database',
          description: 'Time spent executing statements per second, all statements of each database.',
          width: 12,
          unit: 's',
          queries: [{ expr: `sum by (target, datname) (rate(upkeep_pg_database_statement_exec_seconds_total{${DB}}[$__rate_interval]))`, legend: '{{target}} / {{datname}}' }],
        }),
        '2m',
      ),
      withMinInterval(
        timeseries({
          title: 'Calls per database',
          description: 'Statements executed per second in each database.',
          width: 12,
          unit: 'ops',
          queries: [{ expr: `sum by (target, datname) (rate(upkeep_pg_database_statement_calls_total{${DB}}[$__rate_interval]))`, legend: '{{target}} / {{datname}}' }],
        }),
        '2m',
      ),
      row('Sessions'),
      timeseries({
        title: 'Sessions by state',
        description: 'Client sessions per state; the exporter\'s own are not counted.',
        width: 12,
        unit: 'short',
        stack: true,
        queries: [{ expr: `sum by (target, state) (upkeep_pg_sessions{${DB}})`, legend: '{{target}} {{state}}' }],
      }),
      timeseries({
        title: 'Longest query and idle transaction',
        description: 'The longest-running active query and the longest idle-in-transaction session per server. Cancel or terminate them on the Queries page.',
        width: 12,
        unit: 's',
        queries: [
          { expr: `max by (target) (upkeep_pg_longest_query_seconds{${TARGET}})`, legend: '{{target}} longest query' },
          { expr: `max by (target) (upkeep_pg_idle_in_transaction_longest_seconds{${TARGET}})`, legend: '{{target}} idle in transaction' },
          { expr: `max by (target) (upkeep_pg_longest_transaction_seconds{${TARGET}})`, legend: '{{target}} oldest transaction' },
        ],
        steps: thresholdSteps('longestQuerySeconds'),
        links: [{ title: 'Sessions of ${__field.labels.target} in the Upkeep app', url: appUrl('queries', { target: fromSeries('target'), action: 'cancel-query' }) }],
      }),
      stat({
        title: 'Blocked sessions',
        description: 'Sessions waiting for a lock another session holds, per server.',
        width: 6,
        queries: [{ expr: `max by (target) (upkeep_pg_blocked_sessions{${TARGET}})`, legend: '{{target}}' }],
        steps: redFrom(1),
        links: [{ title: 'Sessions of ${__field.labels.target} in the Upkeep app', url: appUrl('queries', { target: fromSeries('target') }) }],
      }),
    ],
  });
}
