/** The Backups page's sources: what the backups collector says about each source of a target. */
import type { Sample } from '../../api/prometheus';
import { severityOf, type Severity } from '../../metrics/thresholds';
import type { backupQueries } from '../../metrics/queries';

export type BackupMetrics = Record<keyof ReturnType<typeof backupQueries>, Sample[]>;

export interface BackupKindRow {
  kind: string;
  lastSuccess: number | undefined;
  ageSeconds: number | undefined;
  severity: Severity;
  sizeBytes: number | undefined;
  durationSeconds: number | undefined;
}

export interface SourceRow {
  source: string;
  sourceKind: string;
  up: boolean | undefined;
  errorReason: string | undefined;
  backups: number | undefined;
  rejected: Array<{ reason: string; count: number }>;
  lastVerified: number | undefined;
  verifySeverity: Severity;
  kinds: BackupKindRow[];
}

const bySource = (samples: Sample[], source: string) => samples.filter((s) => s.labels.source === source);

export function sourceRows(m: BackupMetrics, nowMs = Date.now()): SourceRow[] {
  const names = new Set([...m.sourceUp, ...m.sourceInfo, ...m.lastSuccess].map((s) => s.labels.source ?? ''));
  return [...names]
    .filter((name) => name !== '')
    .sort()
    .map((source) => {
      const verified = bySource(m.lastVerified, source)[0]?.value;
      const successes = bySource(m.lastSuccess, source);
      // BackupTooOld judges a source by its newest backup of any kind: that row gets its colour,
      // an older kind (last week's full beside last night's incremental) is only shown.
      const newest = Math.max(...successes.map((s) => s.value));
      const kinds = successes.map((s): BackupKindRow => {
        const kind = s.labels.backup_kind ?? '';
        const age = s.value > 0 ? nowMs / 1000 - s.value : Number.POSITIVE_INFINITY;
        const same = (x: Sample) => x.labels.source === source && x.labels.backup_kind === kind;
        return {
          kind,
          lastSuccess: s.value,
          ageSeconds: s.value > 0 ? age : undefined,
          severity: s.value === newest ? severityOf('backupAgeSeconds', age) : 'unknown',
          sizeBytes: m.lastSize.find(same)?.value,
          durationSeconds: m.lastDuration.find(same)?.value,
        };
      });
      const up = bySource(m.sourceUp, source)[0]?.value;
      return {
        source,
        sourceKind: bySource(m.sourceInfo, source)[0]?.labels.source_kind ?? '',
        up: up === undefined ? undefined : up === 1,
        errorReason: bySource(m.sourceError, source)[0]?.labels.reason,
        backups: bySource(m.count, source)[0]?.value,
        rejected: bySource(m.rejected, source).map((s) => ({ reason: s.labels.reason ?? '', count: s.value })),
        lastVerified: verified,
        // Only dump directories record verifications; elsewhere the series is absent.
        verifySeverity:
          verified === undefined
            ? 'unknown'
            : severityOf('backupVerifyAgeSeconds', verified > 0 ? nowMs / 1000 - verified : Number.POSITIVE_INFINITY),
        kinds,
      };
    });
}
