/**
 * /api/v1: targets, the action catalog, jobs (create, list, get, cancel),
 * the audit log and the OpenAPI document. Every request is identified
 * (auth.ts); refusals are audited when there is a state database to audit to.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { describeAction } from '../actions/catalog.js';
import { requiredRole, roleAllows, type AnyAction } from '../actions/types.js';
import { JOB_STATUSES, type Caller } from '../jobs/jobRecord.js';
import { stateErrorAsApiError } from '../jobs/failureAnswers.js';
import type { JobRunner } from '../jobs/jobRunner.js';
import type { JobService } from '../jobs/jobService.js';
import type { TargetSet } from '../targets/index.js';
import { issueLine, issueList } from '../validationIssues.js';
import type { ApiAuth } from './auth.js';
import { ApiError, methodNotAllowed } from './errors.js';
import { openApiDocument } from './openapi.js';
import { targetRouter } from './targetRoutes.js';

export interface ApiDependencies {
  actions: readonly AnyAction[];
  targets: TargetSet;
  auth: ApiAuth;
  /** Jobs and audit need the state database; the catalog and targets answer without it. */
  jobs: JobService;
}

/** Bodies are a few hundred bytes; anything near this is not a job request. */
export const MAX_BODY_BYTES = 64 * 1024;
const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

const jobRequestSchema = z.strictObject({
  action: z.string().min(1).max(100),
  target: z.string().min(1).max(100),
  params: z.record(z.string(), z.unknown()).default({}),
  dryRun: z.boolean().default(false),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

const cursor = z
  .string()
  .regex(/^[1-9][0-9]{0,17}$/, 'must be the nextCursor of a previous page')
  .transform(Number)
  .optional();
const limit = z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE);
const label = z.string().min(1).max(200).optional();

const jobListQuery = z.strictObject({ status: z.enum(JOB_STATUSES).optional(), action: label, target: label, limit, cursor });
const auditQuery = z.strictObject({ actor: label, action: label, target: label, outcome: label, limit, cursor });
const jobIdSchema = z.uuid();

type Handler = (req: Request, res: Response) => Promise<void>;

/** Passes a rejected promise to the error handler, with state database failures as 503. */
const wrap =
  (handler: Handler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch((err: unknown) => next(stateErrorAsApiError(err)));
  };

function callerOf(res: Response): Caller {
  return res.locals.caller as Caller;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, 'invalid_request', `invalid ${what}: ${issueLine(parsed.error, '(root)')}`, { issues: issueList(parsed.error, '(root)') });
  return parsed.data;
}

export function apiRouter(deps: ApiDependencies): Router {
  const router = Router();

  const requireJobs = (): JobRunner => {
    const runner = deps.jobs.runner;
    if (runner) return runner;
    const status = deps.jobs.status;
    if (status.state === 'not_configured') {
      throw new ApiError(503, 'state_not_configured', 'jobs and the audit log need a state database; set `state` in the configuration');
    }
    if (status.state === 'stopping') throw new ApiError(503, 'shutting_down', 'the exporter is shutting down; try again after the restart or on another replica');
    const why = status.state === 'unavailable' ? `: ${status.error}` : ' (still connecting)';
    throw new ApiError(503, 'state_unavailable', `the state database is not available${why}; retrying every 10 s`);
  };

  /** Records a refused request (401, 403) in the audit log; a refusal must not fail because auditing did. */
  const auditRefusal = async (req: Request, err: ApiError): Promise<void> => {
    const runner = deps.jobs.runner;
    if (!runner || (err.status !== 401 && err.status !== 403)) return;
    const body = req.body as { action?: unknown; target?: unknown } | undefined;
    await runner
      .audit(
        { actor: 'unauthenticated', tokenName: undefined, role: 'viewer', origin: 'api' },
        {
          event: `${req.method} ${req.baseUrl}${req.path}`.slice(0, 200),
          outcome: 'denied',
          action: typeof body?.action === 'string' ? body.action.slice(0, 100) : undefined,
          target: typeof body?.target === 'string' ? body.target.slice(0, 100) : undefined,
          statusCode: err.status,
          detail: err.message,
        },
      )
      .catch(() => undefined);
  };

  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(deps.actions));
  });
  router.all('/openapi.json', methodNotAllowed(['GET']));

  // Parsed before identification so that a refused request's audit entry names the action it asked for.
  router.use(express.json({ limit: MAX_BODY_BYTES, strict: true }));

  // Everything after this needs a caller.
  router.use((req, res, next) => {
    try {
      res.locals.caller = deps.auth.identify(req);
      next();
    } catch (err) {
      if (err instanceof ApiError) void auditRefusal(req, err).finally(() => next(err));
      else next(err);
    }
  });

  router.get('/whoami', (_req, res) => {
    const caller = callerOf(res);
    res.json({
      actor: caller.actor,
      tokenName: caller.tokenName ?? null,
      role: caller.role,
      tokenRole: caller.tokenRole ?? caller.role,
      origin: caller.origin,
      readOnly: deps.auth.readOnly,
    });
  });
  router.all('/whoami', methodNotAllowed(['GET']));

  router.get('/targets', (_req, res) => {
    res.json({
      targets: deps.targets.all().map((t) => ({
        kind: t.kind,
        name: t.name,
        ...t.describe(),
        actions: deps.actions.filter((a) => a.targetKind === t.kind).map((a) => a.name),
      })),
    });
  });
  router.all('/targets', methodNotAllowed(['GET']));
  router.use('/targets', targetRouter(deps.targets));

  router.get('/actions', (_req, res) => {
    res.json({ readOnly: deps.auth.readOnly, actions: deps.actions.map(describeAction) });
  });
  router.all('/actions', methodNotAllowed(['GET']));

  router.post(
    '/jobs',
    wrap(async (req, res) => {
      const jobs = requireJobs();
      const caller = callerOf(res);
      let request;
      try {
        if (!req.is('application/json')) {
          throw new ApiError(415, 'unsupported_media_type', 'send the job request as JSON with "Content-Type: application/json"');
        }
        request = parseOrThrow(jobRequestSchema, req.body, 'job request');
      } catch (err) {
        // Refused before the runner saw it: audited here, like the runner's own refusals.
        if (err instanceof ApiError) {
          await jobs
            .audit(caller, { event: 'job.requested', outcome: 'rejected', statusCode: err.status, detail: err.message.slice(0, 500) })
            .catch(() => undefined);
        }
        throw err;
      }
      const submission = await jobs.submit(request, caller);
      res.status(submission.created ? 202 : 200).json({ job: submission.job, created: submission.created });
    }),
  );
  router.get(
    '/jobs',
    wrap(async (req, res) => {
      const jobs = requireJobs();
      const query = parseOrThrow(jobListQuery, req.query, 'query');
      const page = await jobs.store.list({ ...query, before: query.cursor });
      res.json({ jobs: page.items, nextCursor: page.nextCursor });
    }),
  );
  router.all('/jobs', methodNotAllowed(['GET', 'POST']));

  router.get(
    '/jobs/:id',
    wrap(async (req, res) => {
      const jobs = requireJobs();
      const id = jobIdSchema.safeParse(req.params.id);
      const job = id.success ? await jobs.store.get(id.data) : undefined;
      if (!job) throw new ApiError(404, 'unknown_job', `no job with id ${JSON.stringify(req.params.id)}`);
      res.json({ job });
    }),
  );
  router.all('/jobs/:id', methodNotAllowed(['GET']));

  router.post(
    '/jobs/:id/cancel',
    wrap(async (req, res) => {
      const jobs = requireJobs();
      const caller = callerOf(res);
      const id = jobIdSchema.safeParse(req.params.id);
      const job = id.success ? await jobs.store.get(id.data) : undefined;
      if (!job) {
        const message = `no job with id ${JSON.stringify(req.params.id)}`;
        await jobs
          .audit(caller, { event: 'job.cancel_requested', outcome: 'rejected', statusCode: 404, detail: message.slice(0, 300) })
          .catch(() => undefined);
        throw new ApiError(404, 'unknown_job', message);
      }
      const action = jobs.action(job.action);
      // Stopping a job needs the role that could start it.
      const needed = action ? requiredRole(action, job.params).role : 'admin';
      if (!roleAllows(caller.role, needed)) {
        await jobs.audit(caller, { event: 'job.cancel_requested', outcome: 'denied', jobId: job.id, action: job.action, target: job.target, statusCode: 403 });
        throw new ApiError(403, 'forbidden', `cancelling ${job.action} needs the ${needed} role; ${caller.actor} has ${caller.role}`);
      }
      const cancelled = await jobs.cancel(job.id, caller);
      res.status(202).json({ job: cancelled });
    }),
  );
  router.all('/jobs/:id/cancel', methodNotAllowed(['POST']));

  router.get(
    '/audit',
    wrap(async (req, res) => {
      const jobs = requireJobs();
      const query = parseOrThrow(auditQuery, req.query, 'query');
      const page = await jobs.store.listAudit({ ...query, before: query.cursor });
      res.json({ entries: page.items, nextCursor: page.nextCursor });
    }),
  );
  router.all('/audit', methodNotAllowed(['GET']));

  // A body that could not be read (invalid JSON, too large) fails before the
  // caller is identified; a caller who can be identified still has the
  // refused request in the audit log, like any other refusal.
  router.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    const type = (err as { type?: unknown } | null)?.type;
    const runner = deps.jobs.runner;
    if (req.method !== 'POST' || typeof type !== 'string' || !type.startsWith('entity.') || !runner) {
      next(err);
      return;
    }
    let caller: Caller;
    try {
      caller = deps.auth.identify(req);
    } catch {
      next(err);
      return;
    }
    const status = type === 'entity.too.large' ? 413 : 400;
    void runner
      .audit(caller, { event: `${req.method} ${req.baseUrl}${req.path}`.slice(0, 200), outcome: 'rejected', statusCode: status, detail: `unreadable request body (${type})` })
      .catch(() => undefined)
      .finally(() => next(err));
  });

  return router;
}
