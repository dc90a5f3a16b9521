/** Backups and WAL archiving: how old, how big, verified or not, and whether archiving keeps up. */
import { appUrl } from '../appLinks.js';
import { dashboard } from '../dashboard.js';
import { fromRow, fromSeries, redFrom, RED_BELOW_ONE, row, stat, table, TARGET, thresholdSteps, timeseries, yesNo, type JsonObject } from '../panels.js';

const SOURCE = `${TARGET}, source=~"$source"`;

export function backups(): JsonObject {
  return dashboard({
    uid: 'upkeep-backups',
    title: 'Upkeep / Backups',
    description: 'Backup sources (dump directories, pgBackRest, WAL-G) and WAL archiving. Rows link to the Backups page of the app, where a backup or a verification is one button.',
    targetsFrom: 'upkeep_backup_source_info',
    extraVariables: [{ name: 'source', label: 'Source', query: 'label_values(upkeep_backup_source_info{target=~"$target"}, source)' }],
    pages: ['backups', 'jobs'],
    panels: [
      row('Backup sources'),
      table({
        title: 'Backup sources, oldest backup first',
        description: 'Age of the newest successful backup and of the last passed verification (dump directories), and whether the source could be read. A source that cannot be read has no backup series: see the next panels.',
        width: 24,
        height: 9,
        queries: [
          { expr: `time() - max by (target, source) (upkeep_backup_last_success_timestamp_seconds{${SOURCE}})` },
          { expr: `time() - max by (target, source) (upkeep_backup_last_verified_timestamp_seconds{${SOURCE}})` },
          { expr: `min by (target, source) (upkeep_backup_source_up{${SOURCE}})` },
        ],
        values: ['Newest backup age', 'Last verification age', 'Readable'],
        unit: 's',
        steps: thresholdSteps('backupAgeSeconds'),
        columns: {
          'Last verification age': { steps: thresholdSteps('backupVerifyAgeSeconds') },
          Readable: { unit: 'none', mappings: yesNo('no', 'yes'), steps: RED_BELOW_ONE },
        },
        sortBy: { column: 'Newest backup age', desc: true },
        links: [{ title: 'Back up ${__data.fields.target} now in the Upkeep app', url: appUrl('backups', { target: fromRow('target'), source: fromRow('source'), action: 'backup' }) }],
      }),
      timeseries({
        title: 'Newest backup age',
        description: 'How old each source\'s newest backup is. A saw tooth is healthy: it drops at every backup. Dashed: the alert levels.',
        width: 12,
        unit: 's',
        queries: [{ expr: `time() - max by (target, source) (upkeep_backup_last_success_timestamp_seconds{${SOURCE}})`, legend: '{{target}} / {{source}}' }],
        steps: thresholdSteps('backupAgeSeconds'),
        links: [{ title: 'Back up ${__field.labels.target} in the Upkeep app', url: appUrl('backups', { target: fromSeries('target'), source: fromSeries('source'), action: 'backup' }) }],
      }),
      timeseries({
        title: 'Last verification age',
        description: 'Time since a dump of the source last passed verify-backup (checksum and pg_restore --list).',
        width: 12,
        unit: 's',
        queries: [{ expr: `time() - max by (target, source) (upkeep_backup_last_verified_timestamp_seconds{${SOURCE}})`, legend: '{{target}} / {{source}}' }],
        steps: thresholdSteps('backupVerifyAgeSeconds'),
        links: [{ title: 'Verify ${__field.labels.source} in the Upkeep app', url: appUrl('backups', { target: fromSeries('target'), source: fromSeries('source'), action: 'verify-backup' }) }],
      }),
      timeseries({
        title: 'Size of the newest backup',
        description: 'Size on backup storage of the newest backup of each kind. A sudden drop is worth a look: a dump that lost a schema is small too.',
        width: 12,
        unit: 'bytes',
        queries: [{ expr: `max by (target, source, backup_kind) (upkeep_backup_last_size_bytes{${SOURCE}})`, legend: '{{target}} / {{source}} {{backup_kind}}' }],
      }),
      timeseries({
        title: 'Duration of the newest backup',
        description: 'Start to finish of the newest backup of each kind, where the source records it.',
        width: 12,
        unit: 's',
        queries: [{ expr: `max by (target, source, backup_kind) (upkeep_backup_last_duration_seconds{${SOURCE}})`, legend: '{{target}} / {{source}} {{backup_kind}}' }],
      }),
      stat({
        title: 'Backups counted',
        description: 'Backups that count as successful, per source.',
        width: 6,
        queries: [{ expr: `sum by (target, source) (upkeep_backups{${SOURCE}})`, legend: '{{source}}' }],
      }),
      table({
        title: 'Files not counted as backups',
        description: 'Dumps without a manifest, partial files, failed verifications, pgBackRest backups in error: why they do not count.',
        width: 9,
        queries: [{ expr: `sum by (target, source, reason) (upkeep_backups_rejected{${SOURCE}}) > 0` }],
        values: ['Files'],
        links: [{ title: 'Prune ${__data.fields.source} in the Upkeep app', url: appUrl('backups', { target: fromRow('target'), source: fromRow('source'), action: 'prune-backups' }) }],
      }),
      table({
        title: 'Sources that cannot be read',
        description: 'Why a source is down: timeout, command not found or failed, invalid output, stanza error, unreadable.',
        width: 9,
        queries: [{ expr: `max by (target, source, reason) (upkeep_backup_source_error_info{${SOURCE}})` }],
        values: ['Down'],
        steps: redFrom(1),
      }),
      table({
        title: 'pgBackRest stanzas',
        description: 'pgBackRest\'s own status code per source: 0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data, 4–5 repositories disagree, 99 other.',
        width: 12,
        height: 6,
        queries: [{ expr: `max by (target, source) (upkeep_backup_pgbackrest_status_code{${SOURCE}})` }],
        values: ['Status code'],
        steps: redFrom(1),
      }),
      row('WAL archiving'),
      stat({
        title: 'Since WAL was last archived',
        description: 'Time since the archiver last succeeded, per server. It grows on an idle server too; it matters when the last attempt failed.',
        width: 6,
        unit: 's',
        queries: [{ expr: `time() - max by (target) (upkeep_pg_wal_archive_last_success_timestamp_seconds{${TARGET}})`, legend: '{{target}}' }],
      }),
      stat({
        title: 'Archiving on',
        description: 'Whether each server archives WAL (archive_mode on or always).',
        width: 6,
        queries: [{ expr: `max by (target) (upkeep_pg_wal_archive_enabled{${TARGET}})`, legend: '{{target}}' }],
        mappings: yesNo('off', 'on'),
      }),
      timeseries({
        title: 'WAL files archived and failed',
        description: 'Archive attempts per second: files archived, and attempts that failed.',
        width: 12,
        unit: 'ops',
        queries: [
          { expr: `sum by (target) (rate(upkeep_pg_wal_archived_total{${TARGET}}[$__rate_interval]))`, legend: '{{target}} archived' },
          { expr: `sum by (target) (rate(upkeep_pg_wal_archive_failures_total{${TARGET}}[$__rate_interval]))`, legend: '{{target}} failed' },
        ],
      }),
      timeseries({
        title: 'WAL files waiting to be archived',
        description: 'The .ready files in pg_wal. They pile up while archive_command fails or is slow, and pg_wal with them.',
        width: 12,
        unit: 'short',
        queries: [{ expr: `max by (target) (upkeep_pg_wal_archive_pending_files{${TARGET}})`, legend: '{{target}}' }],
      }),
    ],
  });
}
