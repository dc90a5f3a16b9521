/** Backups and WAL archiving: can this database be restored, and to when. */
import type { GroupDefinition } from '../model.js';

export const backups: GroupDefinition = {
  name: 'upkeep-backups',
  alerts: [
    {
      name: 'BackupTooOld',
      threshold: 'backupAgeSeconds',
      value: 'upkeep:backup_age_seconds',
      unit: 'duration',
      for: '10m',
      summary: 'Backup source {{ $labels.source }} of {{ $labels.target }}: newest backup is {{value}} old',
      description:
        'The newest successful backup of source {{ $labels.source }} (target {{ $labels.target }}) finished {{value}} ago, more than {{threshold}}. A restore now would lose everything written since then. A source with no backup at all shows its age since 1970.',
      fix: { page: 'backups', action: 'backup' },
    },
    {
      name: 'BackupVerifyStale',
      threshold: 'backupVerifyAgeSeconds',
      value: 'upkeep:backup_verify_age_seconds',
      unit: 'duration',
      for: '10m',
      summary: 'Backup source {{ $labels.source }} of {{ $labels.target }}: last verification {{value}} ago',
      description:
        'No dump of source {{ $labels.source }} (target {{ $labels.target }}) passed verification in the last {{value}}, more than {{threshold}}. Until one does, nobody knows that the backups restore. Never verified shows as the age since 1970.',
      fix: { page: 'backups', action: 'verify-backup' },
    },
    {
      name: 'BackupSourceDown',
      threshold: { direction: 'below', warning: 1 },
      value: 'min by (target, source) (upkeep_backup_source_up)',
      unit: 'count',
      for: '15m',
      summary: 'Backup source {{ $labels.source }} of {{ $labels.target }} cannot be read',
      description:
        'The exporter has not been able to read backup source {{ $labels.source }} (target {{ $labels.target }}) for {{for}} (upkeep_backup_source_up = {{value}}). Its backups are not counted meanwhile, so BackupTooOld cannot fire for it: the reason is in upkeep_backup_source_error_info.',
      fix: { page: 'backups' },
    },
    {
      name: 'WalArchivingFailing',
      threshold: 'walArchiveFailingSeconds',
      value:
        '(time() - max by (target) (upkeep_pg_wal_archive_last_success_timestamp_seconds)) and on (target) (max by (target) (upkeep_pg_wal_archive_last_failure_timestamp_seconds) > max by (target) (upkeep_pg_wal_archive_last_success_timestamp_seconds))',
      unit: 'duration',
      for: '5m',
      summary: 'WAL archiving on {{ $labels.target }} is failing; last success {{value}} ago',
      description:
        'The last archive attempt on {{ $labels.target }} failed and no WAL file has been archived for {{value}} (more than {{threshold}}). Point-in-time recovery cannot reach past that moment, and pg_wal keeps every unarchived file until the disk fills.',
      fix: { page: 'backups' },
    },
  ],
};
