/**
 * The alert rules' thresholds, from the same file the rules are generated
 * from (alerts/thresholds.json), so a cell the Overview paints red is one
 * an alert fires for.
 */
import thresholdFile from '../../../alerts/thresholds.json';

export type Severity = 'ok' | 'warning' | 'critical' | 'unknown';

export interface Threshold {
  /** Which side is bad. */
  direction: 'above' | 'below';
  warning: number;
  critical: number;
  description?: string;
  /** Traffic guards and size floors (minBlocksPerSecond, minBloatBytes, …). */
  [extra: string]: unknown;
}

export type ThresholdKey =
  | 'backupAgeSeconds'
  | 'backupVerifyAgeSeconds'
  | 'walArchiveFailingSeconds'
  | 'replicationLagSeconds'
  | 'replicationLagBytes'
  | 'replicationSlotRetainedBytes'
  | 'pgCacheHitRatio'
  | 'redisHitRatio'
  | 'redisMemoryRatio'
  | 'redisEvictionsPerSecond'
  | 'redisPersistenceAgeSeconds'
  | 'tableBloatRatio'
  | 'deadTuples'
  | 'vacuumAgeSeconds'
  | 'xidAge'
  | 'longestQuerySeconds'
  | 'idleInTransactionSeconds'
  | 'certDaysLeft'
  | 'diskUsedRatio'
  | 'diskFullInSeconds'
  | 'inodesFreeRatio';

export const THRESHOLDS = thresholdFile as unknown as Record<ThresholdKey, Threshold>;

export function threshold(key: ThresholdKey): Threshold {
  return THRESHOLDS[key];
}

/** How bad a value is by the alert thresholds; `unknown` when there is no value. */
export function severityOf(key: ThresholdKey, value: number | undefined): Severity {
  if (value === undefined || Number.isNaN(value)) {
    return 'unknown';
  }
  const t = THRESHOLDS[key];
  const beyond = (limit: number) => (t.direction === 'above' ? value > limit : value < limit);
  if (beyond(t.critical)) {
    return 'critical';
  }
  if (beyond(t.warning)) {
    return 'warning';
  }
  return 'ok';
}

/** A number extra of a threshold (a guard or floor), e.g. `minBlocksPerSecond`. */
export function thresholdExtra(key: ThresholdKey, name: string): number | undefined {
  const value = THRESHOLDS[key][name];
  return typeof value === 'number' ? value : undefined;
}

const RANK: Record<Severity, number> = { unknown: 0, ok: 1, warning: 2, critical: 3 };

export function worstSeverity(severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'unknown');
}

export function severityRank(severity: Severity): number {
  return RANK[severity];
}
