/**
 * /api/v1/targets/:name/…: what the Grafana app lists next to its buttons,
 * read straight from a PostgreSQL target. Running sessions (the pid and
 * query_start that cancel-query and terminate-backend need) and the dumps
 * in the target's dump directory (the files verify-backup and prune-backups
 * work on). Both only read; the caller must be identified (any role).
 * The sessions' query text (raw SQL with its literals) goes only to callers
 * who could act on it: the operator role or more.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { dumpDirectorySourceOf, listTargetDumps, type TargetDump } from '../actions/dumpDirectorySource.js';
import { latestVerification } from '../backups/manifest.js';
import { whyNotCounted } from '../backups/dumpDir.js';
import { roleAllows } from '../actions/types.js';
import { prepareErrorAsApiError } from '../jobs/failureAnswers.js';
import type { Caller } from '../jobs/jobRecord.js';
import { listSessions, MAX_SESSIONS } from '../sessions/sessionListing.js';
import type { TargetSet } from '../targets/index.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { issueLine, issueList } from '../validationIssues.js';
import { ApiError, methodNotAllowed } from './errors.js';

/** A listing must answer while the on-call engineer waits, even from a directory on a slow mount. */
const LISTING_TIMEOUT_MS = 10_000;

const sessionsQuery = z.strictObject({
  minAgeSeconds: z.coerce.number().min(0).max(31 * 86_400).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_SESSIONS).default(50),
});

type TargetHandler = (target: PostgresTarget, req: Request, res: Response) => Promise<void>;

const callerOf = (res: Response): Caller => res.locals.caller as Caller;

export function targetRouter(targets: TargetSet): Router {
  const router = Router();

  const postgresTarget = (name: string): PostgresTarget => {
    const target = targets.ofKind('postgres').find((t) => t.name === name);
    if (target) return target;
    const other = targets.all().find((t) => t.name === name);
    if (other) throw new ApiError(422, 'wrong_target_kind', `${name} is a ${other.kind} target; this lists PostgreSQL targets only`);
    throw new ApiError(404, 'unknown_target', `no target named ${JSON.stringify(name)}; GET /api/v1/targets lists them`);
  };

  const handle =
    (handler: TargetHandler) =>
    (req: Request, res: Response, next: NextFunction): void => {
      let target: PostgresTarget;
      try {
        target = postgresTarget(String(req.params.name));
      } catch (err) {
        next(err);
        return;
      }
      handler(target, req, res).catch((err: unknown) => next(prepareErrorAsApiError(err, target)));
    };

  router.get(
    '/:name/sessions',
    handle(async (target, req, res) => {
      const parsed = sessionsQuery.safeParse(req.query);
      if (!parsed.success) {
        throw new ApiError(400, 'invalid_request', `invalid query: ${issueLine(parsed.error, '(root)')}`, { issues: issueList(parsed.error, '(root)') });
      }
      const mayReadText = roleAllows(callerOf(res).role, 'operator');
      res.json(await listSessions(target, { minAgeSeconds: parsed.data.minAgeSeconds, limit: parsed.data.limit, queryText: mayReadText }));
    }),
  );
  router.all('/:name/sessions', methodNotAllowed(['GET']));

  router.get(
    '/:name/backups',
    handle(async (target, _req, res) => {
      const source = dumpDirectorySourceOf(target);
      const listing = await listTargetDumps(source, target.name, AbortSignal.timeout(LISTING_TIMEOUT_MS));
      res.json({
        source: { name: source.name, path: source.path },
        dumps: listing.dumps.map(describeDump),
        orphanManifests: listing.orphanManifests.map((d) => ({ file: d.file, finishedAt: d.manifest.finishedAt })),
        ignored: listing.ignored,
      });
    }),
  );
  router.all('/:name/backups', methodNotAllowed(['GET']));

  return router;
}

function describeDump(dump: TargetDump) {
  const m = dump.manifest;
  const problem = whyNotCounted({ dumpPath: dump.path, manifestPath: dump.manifestPath, manifest: m, dumpSizeBytes: dump.sizeOnDiskBytes });
  const verification = latestVerification(m);
  return {
    file: dump.file,
    database: m.database,
    sizeBytes: m.sizeBytes,
    dumpFormat: m.dumpFormat,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    serverVersion: m.serverVersion,
    sha256: m.sha256,
    lastVerification: verification ?? null,
    /** Whether the backups collector counts it as a backup; `problem` says why not. */
    counted: problem === undefined,
    problem: problem ? { reason: problem.reason, message: problem.problem } : null,
  };
}
