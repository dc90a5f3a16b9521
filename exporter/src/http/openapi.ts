/**
 * The OpenAPI 3.1 description of the whole HTTP surface. Tests compare its
 * paths and methods with the routes the app really serves, so the two
 * cannot drift apart. Each action's params schema is a component, taken
 * from the same zod schema the runner validates with.
 */
import { describeAction } from '../actions/catalog.js';
import type { AnyAction } from '../actions/types.js';
import { JOB_STATUSES } from '../jobs/jobRecord.js';
import { VERSION } from '../version.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });

const ERRORS = {
  '400': errorResponse('Malformed request: invalid JSON, unknown or invalid fields (details.issues lists them).'),
  '401': errorResponse('No bearer token, or not a valid one (only when tokens are configured).'),
  '403': errorResponse('The token\'s role is too low, or the API is read-only (no tokens configured).'),
  '405': errorResponse('Method not allowed on this path; the Allow header lists those that are.'),
  '500': errorResponse('A bug: the exporter log has the details.'),
  '503': errorResponse('A dependency is unavailable: no state database configured, or it, or the target, did not answer; or the exporter is shutting down.'),
};

const pageParameters = [
  { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  { name: 'cursor', in: 'query', required: false, description: 'The nextCursor of the previous page.', schema: { type: 'string' } },
];
const filter = (name: string, description: string, schema: Schema = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const targetNameParameter = { name: 'name', in: 'path', required: true, description: 'A PostgreSQL target\'s name.', schema: { type: 'string' } };
const jobIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export function openApiDocument(actions: readonly AnyAction[]): Schema {
  const paramSchemas = Object.fromEntries(actions.map((a) => [`Params.${a.name}`, describeAction(a).paramsSchema]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Upkeep exporter',
      version: VERSION,
      description:
        'Prometheus metrics for PostgreSQL-backed services, and maintenance actions run as audited, role-gated jobs. ' +
        'Errors are `{"error": {"code", "message", "details"}}`. With tokens configured, /api/v1 needs `Authorization: Bearer <token>`. ' +
        'An `X-Upkeep-Role-Limit: viewer|operator|admin` header lowers the token\'s role for that request (never raises it): ' +
        'the Grafana app\'s proxy routes send it so that a Grafana Editor acts as an operator and only an Admin as an admin.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
        Progress: {
          type: ['object', 'null'],
          properties: { phase: { type: 'string' }, percent: { type: 'number', minimum: 0, maximum: 100 }, detail: { type: 'object' } },
        },
        Job: {
          type: 'object',
          required: ['id', 'action', 'target', 'status', 'params', 'dryRun', 'actor', 'createdAt'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            action: { type: 'string' },
            target: { type: 'string' },
            scope: { type: 'string', description: 'What the job locks on its target; one job per target and scope.' },
            params: { type: 'object' },
            dryRun: { type: 'boolean' },
            status: { enum: [...JOB_STATUSES] },
            progress: ref('Progress'),
            actor: { type: 'string' },
            tokenName: { type: ['string', 'null'] },
            origin: { type: 'string', description: 'api, grafana, cli or schedule:<name>' },
            idempotencyKey: { type: ['string', 'null'] },
            createdAt: { type: 'string', format: 'date-time' },
            startedAt: { type: ['string', 'null'], format: 'date-time' },
            finishedAt: { type: ['string', 'null'], format: 'date-time' },
            cancelRequestedAt: { type: ['string', 'null'], format: 'date-time' },
            cancelRequestedBy: { type: ['string', 'null'] },
            result: { description: 'What the action did (or, for a dry run, would do).' },
            error: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
          },
        },
        JobRequest: {
          type: 'object',
          required: ['action', 'target'],
          additionalProperties: false,
          properties: {
            action: { type: 'string', minLength: 1, maxLength: 100, description: `One of: ${actions.map((a) => a.name).join(', ')} (an unknown one is a 404).` },
            target: { type: 'string', minLength: 1, maxLength: 100 },
            params: { type: 'object', description: 'Validated by the action\'s schema: see the Params.<action> components and GET /api/v1/actions.' },
            dryRun: { type: 'boolean', default: false },
            idempotencyKey: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description: 'The same key from the same caller (token) returns the same job (200) instead of starting another.',
            },
          },
        },
        Action: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            title: { type: 'string' },
            description: { type: 'string' },
            targetKind: { type: 'string' },
            role: { enum: ['viewer', 'operator', 'admin'] },
            roleEscalations: {
              type: 'array',
              description: 'Params that need a higher role: one applies when every whenEqual param has that value and every whenAbsent param is absent.',
              items: {
                type: 'object',
                required: ['role', 'reason'],
                properties: {
                  role: { enum: ['viewer', 'operator', 'admin'] },
                  reason: { type: 'string' },
                  whenEqual: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
                  whenAbsent: { type: 'array', items: { type: 'string' } },
                },
              },
            },
            destructive: { type: 'boolean' },
            supportsDryRun: { type: 'boolean' },
            refreshes: { type: 'array', items: { type: 'string' } },
            paramsSchema: { type: 'object' },
          },
        },
        Caller: {
          type: 'object',
          required: ['actor', 'role', 'readOnly'],
          properties: {
            actor: { type: 'string' },
            tokenName: { type: ['string', 'null'] },
            role: { enum: ['viewer', 'operator', 'admin'] },
            tokenRole: { enum: ['viewer', 'operator', 'admin'], description: 'The token\'s own role, before X-Upkeep-Role-Limit.' },
            origin: { type: 'string' },
            readOnly: { type: 'boolean', description: 'No tokens are configured: nothing can be changed through the API.' },
          },
        },
        AuditEntry: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            at: { type: 'string', format: 'date-time' },
            actor: { type: 'string' },
            tokenName: { type: ['string', 'null'] },
            origin: { type: 'string' },
            event: { type: 'string' },
            outcome: { type: 'string', description: 'accepted, denied, rejected, conflict, succeeded, failed, cancelled, interrupted, skipped' },
            action: { type: ['string', 'null'] },
            target: { type: ['string', 'null'] },
            params: {},
            jobId: { type: ['string', 'null'] },
            statusCode: { type: ['integer', 'null'] },
            detail: { type: ['string', 'null'] },
          },
        },
        ...paramSchemas,
      },
    },
    security: [{ bearer: [] }, {}],
    paths: {
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text 0.0.4, or OpenMetrics when the Accept header prefers it)',
          security: [],
          responses: { '200': { description: 'The scrape', content: { 'text/plain': {}, 'application/openmetrics-text': {} } } },
        },
      },
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'The process is up', content: json({ type: 'object' }) } } } },
      '/readyz': {
        get: {
          summary: 'Readiness, with each target\'s reachability and the API\'s mode',
          security: [],
          responses: { '200': { description: 'Ready', content: json({ type: 'object' }) }, '503': { description: 'Starting or stopping' } },
        },
      },
      '/': { get: { summary: 'Landing page', security: [], responses: { '200': { description: 'HTML', content: { 'text/html': {} } } } } },
      '/api/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
      '/api/v1/targets': {
        get: {
          summary: 'Configured targets, with what each one is and the actions that run on it',
          responses: { '200': { description: 'Targets', content: json({ type: 'object', properties: { targets: { type: 'array', items: { type: 'object' } } } }) }, ...ERRORS },
        },
      },
      '/api/v1/whoami': {
        get: {
          summary: 'Who the exporter takes the caller for: actor, token, role (after any X-Upkeep-Role-Limit), and whether the API is read-only',
          responses: { '200': { description: 'The caller', content: json(ref('Caller')) }, ...ERRORS },
        },
      },
      '/api/v1/targets/{name}/sessions': {
        get: {
          summary: 'Client sessions running a query or in a transaction for at least minAgeSeconds, longest first, with the pid and queryStart that cancel-query and terminate-backend take',
          parameters: [
            targetNameParameter,
            filter('minAgeSeconds', 'Only sessions whose query or transaction is at least this old', { type: 'number', minimum: 0, default: 0 }),
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          ],
          responses: {
            '200': {
              description: 'Sessions; query text only for callers with the operator role or more, and only when the target has statements.queryText on (queryTextShown)',
              content: json({ type: 'object', properties: { sessions: { type: 'array', items: { type: 'object' } }, queryTextShown: { type: 'boolean' }, truncated: { type: 'boolean' } } }),
            },
            '404': errorResponse('No such target.'),
            '422': errorResponse('Not a PostgreSQL target, or the server refused the listing.'),
            ...ERRORS,
          },
        },
      },
      '/api/v1/targets/{name}/backups': {
        get: {
          summary: 'The dumps in the target\'s dump directory (the backup actions\' source), newest first, with their manifests, latest verification and whether they count as backups',
          parameters: [targetNameParameter],
          responses: {
            '200': {
              description: 'The dump directory listing',
              content: json({
                type: 'object',
                properties: { source: { type: 'object' }, dumps: { type: 'array', items: { type: 'object' } }, orphanManifests: { type: 'array' }, ignored: { type: 'object' } },
              }),
            },
            '404': errorResponse('No such target.'),
            '422': errorResponse('Not a PostgreSQL target, no dump-dir backup source, or the directory cannot be read.'),
            ...ERRORS,
          },
        },
      },
      '/api/v1/actions': {
        get: {
          summary: 'The action catalog with each action\'s params schema and required role',
          responses: {
            '200': { description: 'Catalog', content: json({ type: 'object', properties: { readOnly: { type: 'boolean' }, actions: { type: 'array', items: ref('Action') } } }) },
            ...ERRORS,
          },
        },
      },
      '/api/v1/jobs': {
        post: {
          summary: 'Start a job',
          requestBody: { required: true, content: json(ref('JobRequest')) },
          responses: {
            '202': { description: 'Job started', content: json({ type: 'object', properties: { job: ref('Job'), created: { const: true } } }) },
            '200': { description: 'The job an earlier request with the same idempotencyKey started', content: json({ type: 'object', properties: { job: ref('Job'), created: { const: false } } }) },
            '404': errorResponse('Unknown action, target, table, index, database, session or backup.'),
            '409': errorResponse('A job already runs on this target and scope (details.runningJob names it), or the target\'s state forbids it now.'),
            '413': errorResponse('Request body larger than 64 KiB.'),
            '415': errorResponse('Body is not application/json.'),
            '422': errorResponse('Params invalid for the action (details.issues), wrong target kind, no dry run, or the request cannot be done on this target.'),
            ...ERRORS,
          },
        },
        get: {
          summary: 'List jobs, newest first',
          parameters: [filter('status', 'Only jobs in this status', { enum: [...JOB_STATUSES] }), filter('action', 'Only this action'), filter('target', 'Only this target'), ...pageParameters],
          responses: {
            '200': { description: 'A page of jobs', content: json({ type: 'object', properties: { jobs: { type: 'array', items: ref('Job') }, nextCursor: { type: ['string', 'null'] } } }) },
            ...ERRORS,
          },
        },
      },
      '/api/v1/jobs/{id}': {
        get: {
          summary: 'One job: status, progress, timestamps, actor, params, result or error',
          parameters: [jobIdParameter],
          responses: { '200': { description: 'The job', content: json({ type: 'object', properties: { job: ref('Job') } }) }, '404': errorResponse('No such job.'), ...ERRORS },
        },
      },
      '/api/v1/jobs/{id}/cancel': {
        post: {
          summary: 'Cancel a running job (on whichever replica runs it); it ends as cancelled',
          parameters: [jobIdParameter],
          responses: {
            '202': { description: 'Cancellation requested', content: json({ type: 'object', properties: { job: ref('Job') } }) },
            '404': errorResponse('No such job.'),
            '409': errorResponse('The job has already finished.'),
            ...ERRORS,
          },
        },
      },
      '/api/v1/audit': {
        get: {
          summary: 'The audit log, newest first: who asked for what, on which target, with which params, and the outcome (refusals included)',
          parameters: [filter('actor', 'Only this actor'), filter('action', 'Only this action'), filter('target', 'Only this target'), filter('outcome', 'Only this outcome'), ...pageParameters],
          responses: {
            '200': { description: 'A page of entries', content: json({ type: 'object', properties: { entries: { type: 'array', items: ref('AuditEntry') }, nextCursor: { type: ['string', 'null'] } } }) },
            ...ERRORS,
          },
        },
      },
    },
  };
}
