/** Certificates (servers, endpoints, files) and the filesystems holding data, WAL and backups. */
import { extra } from '../thresholds.js';
import type { GroupDefinition } from '../model.js';

export const certificatesDisks: GroupDefinition = {
  name: 'upkeep-certificates-disks',
  alerts: [
    {
      name: 'CertExpiringSoon',
      threshold: 'certDaysLeft',
      // Expired ones are CertExpired's.
      value: 'upkeep:cert_days_left >= 0',
      unit: 'days',
      for: '15m',
      summary: 'A certificate of {{ $labels.target }} ({{ $labels.source }}) expires in {{value}}',
      description:
        'The earliest-expiring certificate of {{ $labels.target }} (source {{ $labels.source }}) expires in {{value}} (fewer than {{threshold}}). After that, clients refuse the connection.',
      fix: { page: 'certificates' },
    },
    {
      name: 'CertExpired',
      threshold: { direction: 'below', critical: 0 },
      value: 'upkeep:cert_days_left',
      unit: 'days',
      for: '5m',
      summary: 'A certificate of {{ $labels.target }} ({{ $labels.source }}) has expired',
      description:
        'The earliest-expiring certificate of {{ $labels.target }} (source {{ $labels.source }}) has expired: {{value}} left. Clients that verify certificates refuse to connect.',
      fix: { page: 'certificates' },
    },
    {
      name: 'CertProbeFailing',
      threshold: { direction: 'above', warning: 0 },
      // Endpoints that do not answer the handshake, and certificate files that cannot be read.
      value: '(1 - min by (target, source) (upkeep_tls_probe_success)) or max by (target, source, path) (upkeep_tls_file_error_info)',
      unit: 'count',
      for: '15m',
      summary: 'Certificates of {{ $labels.target }} ({{ $labels.source }}) cannot be read',
      description:
        'For {{for}} the exporter could not read the certificates of {{ $labels.target }} (source {{ $labels.source }}{{ if $labels.path }}, path {{ $labels.path }}{{ end }}; failing = {{value}}). Their expiry cannot be watched meanwhile: the last known expiry is kept, a never-read one is unknown.',
      fix: { page: 'certificates' },
    },
    {
      name: 'DiskFillingUp',
      threshold: 'diskFullInSeconds',
      value: (t) => `upkeep:disk_full_in_seconds:deriv6h and upkeep:disk_used_ratio > ${extra(t, 'minUsedRatio')} and upkeep_disk_readonly == 0`,
      unit: 'duration',
      for: '30m',
      summary: '{{ $labels.path }} ({{ $labels.role }}) on {{ $labels.target }} fills up in {{value}}',
      description:
        'At the rate of the last 6 hours the filesystem holding {{ $labels.path }} ({{ $labels.role }}, target {{ $labels.target }}, mounted at {{ $labels.mountpoint }}) is full in {{value}} (sooner than {{threshold}}). PostgreSQL stops when its data or WAL filesystem is full; backups fail when theirs is.',
      fix: { page: 'certificates' },
    },
    {
      name: 'DiskAlmostFull',
      threshold: 'diskUsedRatio',
      value: 'upkeep:disk_used_ratio',
      unit: 'ratio',
      for: '5m',
      summary: '{{ $labels.path }} ({{ $labels.role }}) on {{ $labels.target }} is {{value}} full',
      description:
        'The filesystem holding {{ $labels.path }} ({{ $labels.role }}, target {{ $labels.target }}, mounted at {{ $labels.mountpoint }}) is {{value}} full (above {{threshold}}), counting what unprivileged users can still write.',
      fix: { page: 'certificates' },
    },
    {
      name: 'InodesLow',
      threshold: 'inodesFreeRatio',
      value: 'upkeep:disk_inodes_free_ratio',
      unit: 'ratio',
      for: '5m',
      summary: '{{ $labels.path }} ({{ $labels.role }}) on {{ $labels.target }} has {{value}} of its inodes left',
      description:
        'Only {{value}} of the inodes of the filesystem holding {{ $labels.path }} ({{ $labels.role }}, target {{ $labels.target }}) are free (below {{threshold}}). When none are left, no file can be created there however much space is free.',
      fix: { page: 'certificates' },
    },
  ],
};
