/** Certificates of servers, endpoints and files, and the filesystems holding data, WAL and backups. */
import { appUrl } from '../appLinks.js';
import { dashboard } from '../dashboard.js';
import { fromRow, fromSeries, redFrom, RED_BELOW_ONE, row, stat, table, TARGET, thresholdSteps, timeseries, yesNo, type JsonObject } from '../panels.js';

const DISK = 'target, path, mountpoint, role';
const certificatesLink = { title: 'Certificates of ${__data.fields.target} in the Upkeep app', url: appUrl('certificates', { target: fromRow('target') }) };
const diskLink = { title: 'Disks of ${__data.fields.target} in the Upkeep app', url: appUrl('certificates', { target: fromRow('target') }) };

export function certificatesDisks(): JsonObject {
  return dashboard({
    uid: 'upkeep-certificates-disks',
    title: 'Upkeep / Certificates & disks',
    description: 'When each certificate expires and whether it can be read; how full each filesystem is and how soon it fills.',
    targetsFrom: 'upkeep_collector_success{collector=~"pg_tls|tls_endpoints|cert_files|pg_cert_file|disk|pg_disk"}',
    pages: ['certificates', 'jobs'],
    panels: [
      row('Certificates'),
      table({
        title: 'Certificates, soonest expiry first',
        description: 'Every certificate seen: servers (position 0 is the server\'s own, then its issuers) and files. Days left until it expires.',
        width: 24,
        height: 10,
        queries: [{ expr: `(max by (target, source, path, position, subject_cn, issuer_cn, serial) (upkeep_tls_cert_not_after_timestamp_seconds{${TARGET}}) - time()) / 86400` }],
        values: ['Days left'],
        decimals: 1,
        steps: thresholdSteps('certDaysLeft'),
        sortBy: { column: 'Days left', desc: false },
        links: [certificatesLink],
      }),
      timeseries({
        title: 'Days left per target',
        description: 'Days until the earliest-expiring certificate of each chain (or file set). Dashed: the alert levels.',
        width: 12,
        unit: 'd',
        queries: [{ expr: `(min by (target, source) (upkeep_tls_earliest_cert_expiry_timestamp_seconds{${TARGET}}) - time()) / 86400`, legend: '{{target}} ({{source}})' }],
        steps: thresholdSteps('certDaysLeft'),
        links: [{ title: 'Certificates of ${__field.labels.target} in the Upkeep app', url: appUrl('certificates', { target: fromSeries('target') }) }],
      }),
      stat({
        title: 'Chains verified',
        description: 'Whether each chain verifies against the system CAs (a private CA shows no) and matches the host name.',
        width: 6,
        queries: [
          { expr: `min by (target, source) (upkeep_tls_cert_verified{${TARGET}})`, legend: '{{target}} trusted' },
          { expr: `min by (target, source) (upkeep_tls_cert_hostname_match{${TARGET}})`, legend: '{{target}} name matches' },
        ],
        mappings: yesNo('no', 'yes'),
      }),
      stat({
        title: 'Servers offering TLS',
        description: 'PostgreSQL servers that answered the SSLRequest with yes.',
        width: 6,
        queries: [{ expr: `max by (target) (upkeep_tls_offered{${TARGET}})`, legend: '{{target}}' }],
        mappings: yesNo('no TLS', 'TLS'),
      }),
      table({
        title: 'Endpoints that do not answer',
        description: 'TLS probes failing now and why: dns, refused, unreachable, timeout, closed, protocol, handshake. The last known certificates stay exported meanwhile.',
        width: 12,
        queries: [{ expr: `max by (target, source, reason) (upkeep_tls_probe_error_info{${TARGET}})` }],
        values: ['Failing'],
        steps: redFrom(1),
        links: [certificatesLink],
      }),
      table({
        title: 'Certificate files with a problem',
        description: 'Paths that could not be read or held no certificate: not_found, permission_denied, unparsable, …',
        width: 12,
        queries: [{ expr: `max by (target, source, path, reason) (upkeep_tls_file_error_info{${TARGET}})` }],
        values: ['Failing'],
        steps: redFrom(1),
        links: [certificatesLink],
      }),
      timeseries({
        title: 'Probe duration',
        description: 'How long the last TLS probe of each endpoint took.',
        width: 24,
        height: 6,
        unit: 's',
        queries: [{ expr: `max by (target) (upkeep_tls_probe_duration_seconds{${TARGET}})`, legend: '{{target}}' }],
      }),
      row('Disks'),
      table({
        title: 'Filesystems, fullest first',
        description: 'Filesystems holding data, WAL and backups (and configured paths): used share, space still writable, free inodes.',
        width: 24,
        height: 9,
        queries: [
          { expr: `max by (${DISK}) (1 - upkeep_disk_avail_bytes{${TARGET}} / upkeep_disk_size_bytes{${TARGET}})` },
          { expr: `max by (${DISK}) (upkeep_disk_avail_bytes{${TARGET}})` },
          { expr: `max by (${DISK}) (upkeep_disk_files_free{${TARGET}} / (upkeep_disk_files{${TARGET}} > 0))` },
        ],
        values: ['Used', 'Available', 'Free inodes'],
        unit: 'percentunit',
        decimals: 1,
        steps: thresholdSteps('diskUsedRatio'),
        columns: { Available: { unit: 'bytes', steps: [{ color: 'text', value: null }] }, 'Free inodes': { steps: thresholdSteps('inodesFreeRatio') } },
        sortBy: { column: 'Used', desc: true },
        links: [diskLink],
      }),
      timeseries({
        title: 'Used share',
        description: '1 − available / size per filesystem. Dashed: the alert levels.',
        width: 12,
        unit: 'percentunit',
        max: 1,
        queries: [{ expr: `max by (${DISK}) (1 - upkeep_disk_avail_bytes{${TARGET}} / upkeep_disk_size_bytes{${TARGET}})`, legend: '{{target}} {{role}} {{path}}' }],
        steps: thresholdSteps('diskUsedRatio'),
      }),
      timeseries({
        title: 'Time until full',
        description: 'At the rate of the last 6 hours (the least-squares slope predict_linear uses); only filesystems that are filling. Dashed: the DiskFillingUp levels.',
        width: 12,
        unit: 's',
        queries: [{ expr: `max by (${DISK}) (upkeep_disk_avail_bytes{${TARGET}} / (-deriv(upkeep_disk_avail_bytes{${TARGET}}[6h]) > 0))`, legend: '{{target}} {{role}} {{path}}' }],
        steps: thresholdSteps('diskFullInSeconds'),
      }),
      stat({
        title: 'Read-only filesystems',
        description: 'Filesystems mounted read-only: PostgreSQL cannot write there.',
        width: 6,
        queries: [{ expr: `sum(upkeep_disk_readonly{${TARGET}}) or vector(0)`, legend: 'read-only' }],
        steps: redFrom(1),
      }),
      stat({
        title: 'Paths measured',
        description: 'Paths the exporter could measure in its last scrape, out of those it watches.',
        width: 6,
        queries: [{ expr: `sum(upkeep_disk_probe_success{${TARGET}})`, legend: 'measured' }],
        steps: RED_BELOW_ONE,
      }),
      table({
        title: 'Paths that cannot be measured',
        description: 'Why: not_found, permission_denied, timeout (a hung mount), too_many_hung, io_error.',
        width: 12,
        height: 6,
        queries: [{ expr: `max by (target, path, role, reason) (upkeep_disk_probe_error_info{${TARGET}})` }],
        values: ['Failing'],
        steps: redFrom(1),
        links: [diskLink],
      }),
    ],
  });
}
