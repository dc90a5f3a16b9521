/**
 * Deletes old dumps of the target from its dump directory by count and age
 * (the rule and what is always kept: backupRetention.ts). The dry run
 * lists exactly what a real run would delete: both list the directory at
 * run time and decide with the same function.
 *
 * Only this target's manifest-backed dumps in the directory itself are
 * candidates. Files without a manifest, `.partial` files, broken manifests
 * and other targets' dumps are never touched; the result counts them.
 *
 * Order of deletion: the dump, then its manifest. A crash in between leaves
 * a manifest without its dump, which the backups collector counts as
 * `missing_dump` (never as a backup) and the next prune removes — it holds
 * no data. The other order would leave a whole dump without a manifest:
 * counted as `no_manifest`, never pruned again, its space lost until
 * someone deletes it by hand.
 */
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { latestVerification, syncDirectory } from '../backups/manifest.js';
import { errorMessage } from '../log.js';
import { decideRetention, type RetentionRule } from './backupRetention.js';
import { backupScope, dumpDirectorySourceOf, listTargetDumps, type DumpDirectorySource, type TargetDump } from './dumpDirectorySource.js';
import { ActionRejection, defineAction, type Json, type Prepared } from './types.js';

interface PrunePlan {
  source: DumpDirectorySource;
  rule: RetentionRule;
}

type Candidate = TargetDump & { database: string; verified: boolean };

export const pruneBackups = defineAction({
  name: 'prune-backups',
  title: 'Prune old backups',
  description:
    "Deletes the target's old dumps (and their manifests) from its dump directory: those outside the newest keepLast and older than maxAgeDays, per database. Never the newest dump nor the newest verified one; files without a manifest are left alone.",
  targetKind: 'postgres',
  params: z.strictObject({
    keepLast: z.int().min(1).max(100_000).describe('Keep the newest N dumps of each database (at least 1).').optional(),
    maxAgeDays: z.number().positive().max(36_500).describe('Keep every dump that finished less than this many days ago.').optional(),
  }),
  role: 'admin',
  destructive: true,
  supportsDryRun: true,
  refreshes: ['backups'],

  async prepare({ target, params, signal }): Promise<Prepared<PrunePlan>> {
    const source = dumpDirectorySourceOf(target);
    if (params.keepLast === undefined && params.maxAgeDays === undefined) {
      throw new ActionRejection(422, 'no_retention_rule', 'give keepLast, maxAgeDays or both: without a rule nothing is old enough to delete');
    }
    // Fails early (422) on a directory that cannot be listed.
    await listTargetDumps(source, target.name, signal);
    const rule: RetentionRule = {};
    if (params.keepLast !== undefined) rule.keepLast = params.keepLast;
    if (params.maxAgeDays !== undefined) rule.maxAgeDays = params.maxAgeDays;
    return { scope: backupScope(source), plan: { source, rule } };
  },

  async run(ctx): Promise<Json> {
    const { plan, signal, target, dryRun } = ctx;
    ctx.progress({ phase: 'listing' });
    const listing = await listTargetDumps(plan.source, target.name, signal);
    const candidates: Candidate[] = listing.dumps.map((d) => ({ ...d, database: d.manifest.database, verified: latestVerification(d.manifest)?.ok === true }));
    const decision = decideRetention(candidates, plan.rule, Date.now());

    if (!dryRun) {
      const total = decision.remove.length + listing.orphanManifests.length;
      let done = 0;
      const remove = async (file: string, paths: string[]): Promise<void> => {
        signal.throwIfAborted();
        ctx.progress({ phase: 'deleting', percent: (done / total) * 100, detail: { file, done, total } });
        try {
          // In order: the dump before its manifest (see above).
          for (const path of paths) await rm(path, { force: true });
        } catch (err) {
          throw new Error(`deleting ${file} failed after ${done} of ${total} deletions: ${errorMessage(err)}`, { cause: err });
        }
        done += 1;
      };
      for (const dump of decision.remove) await remove(dump.file, [dump.path, dump.manifestPath]);
      for (const orphan of listing.orphanManifests) await remove(orphan.file, [orphan.manifestPath]);
      if (total > 0) await syncDirectory(plan.source.path);
    }

    const sizeOf = (d: TargetDump): number => d.sizeOnDiskBytes ?? d.manifest.sizeBytes;
    return {
      dryRun,
      source: plan.source.name,
      rule: { keepLast: plan.rule.keepLast ?? null, maxAgeDays: plan.rule.maxAgeDays ?? null },
      deleted: decision.remove.map((d) => ({ file: d.file, database: d.database, finishedAt: d.manifest.finishedAt, sizeBytes: sizeOf(d) })),
      freedBytes: decision.remove.reduce((sum, d) => sum + sizeOf(d), 0),
      kept: decision.keep.length,
      keptDumps: decision.keep.map(({ dump, reasons }) => ({ file: dump.file, database: dump.database, finishedAt: dump.manifest.finishedAt, reasons })),
      orphanManifestsRemoved: listing.orphanManifests.map((d) => basename(d.manifestPath)),
      ignored: listing.ignored,
    };
  },
});
