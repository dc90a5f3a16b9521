/**
 * Which dumps a prune deletes: one pure function, used by the real run and
 * by the dry run alike, so the preview is exactly what would happen.
 *
 * Per database (a target may back up several; a count across all of them
 * would let the dumps of one database push out every dump of another):
 *
 * - `keepLast: n` keeps the n newest dumps (by the manifest's finishedAt).
 * - `maxAgeDays: d` keeps every dump that finished less than d days ago.
 * - With both, a dump goes only when it is outside the newest n AND older
 *   than d days: each rule alone keeps at least what it promises.
 * - Always kept, whatever the rules say: the newest dump, and the newest
 *   dump whose latest verification passed (however old), so a prune can
 *   never leave a database without a backup known to be good.
 */
import { newestFirst } from './dumpDirectorySource.js';

export interface RetentionRule {
  keepLast?: number;
  maxAgeDays?: number;
}

export interface RetentionCandidate {
  file: string;
  database: string;
  finishedAtMs: number;
  /** Whether the dump's latest verification passed. */
  verified: boolean;
}

export type KeepReason = 'newest' | 'newest_verified' | 'keep_last' | 'within_max_age';

export interface RetentionDecision<T extends RetentionCandidate> {
  /** Newest first within each database. */
  remove: T[];
  keep: { dump: T; reasons: KeepReason[] }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function decideRetention<T extends RetentionCandidate>(candidates: readonly T[], rule: RetentionRule, nowMs: number): RetentionDecision<T> {
  const decision: RetentionDecision<T> = { remove: [], keep: [] };
  for (const dumps of byDatabase(candidates).values()) {
    dumps.sort(newestFirst);
    const newestVerified = dumps.find((d) => d.verified);
    dumps.forEach((dump, index) => {
      const reasons: KeepReason[] = [];
      if (index === 0) reasons.push('newest');
      if (dump === newestVerified) reasons.push('newest_verified');
      if (rule.keepLast !== undefined && index < rule.keepLast) reasons.push('keep_last');
      if (rule.maxAgeDays !== undefined && nowMs - dump.finishedAtMs < rule.maxAgeDays * DAY_MS) reasons.push('within_max_age');
      if (reasons.length > 0) decision.keep.push({ dump, reasons });
      else decision.remove.push(dump);
    });
  }
  return decision;
}

function byDatabase<T extends RetentionCandidate>(candidates: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const candidate of candidates) {
    const group = groups.get(candidate.database);
    if (group) group.push(candidate);
    else groups.set(candidate.database, [candidate]);
  }
  return groups;
}

