/**
 * The job API end to end on a real exporter with a real state database:
 * auth and roles, bad input, idempotency, scope conflicts, cancellation,
 * the audit trail and the OpenAPI document. The actions here are small test
 * actions, so the behaviour pinned down is the runner's and the API's;
 * each real action has its own test file.
 */
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaintenanceSession } from '../../exporter/src/actions/maintenanceSession.js';
import { ActionRejection, defineAction } from '../../exporter/src/actions/types.js';
import { harness, queryOnce, startTestExporter, type TestExporter } from '../harness/index.js';
import { api, waitForJob, type JobBody } from '../harness/api.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';

const TOKENS = { viewer: 'viewer-token-0123456789', operator: 'operator-token-0123456789', admin: 'admin-token-0123456789' };

/** Sleeps on the server in a maintenance session: cancellable, visible in pg_stat_activity. */
const serverSleep = defineAction({
  name: 'server-sleep',
  title: 'Sleep on the server',
  description: 'Test action: pg_sleep in a job session.',
  targetKind: 'postgres',
  params: z.strictObject({ seconds: z.number().min(0).max(60).default(30), lane: z.string().regex(/^[a-z]+$/).default('one') }),
  role: 'operator',
  destructive: false,
  supportsDryRun: true,
  refreshes: [],
  prepare: ({ params }) => {
    if (params.lane === 'missing') return Promise.reject(new ActionRejection(404, 'unknown_lane', 'no such lane'));
    return Promise.resolve({ scope: `lane:${params.lane}`, plan: params });
  },
  run: async ({ target, plan, dryRun, jobId, signal, progress }) => {
    if (dryRun) return { wouldSleepSeconds: plan.seconds };
    const session = await MaintenanceSession.open(target, { jobId, signal });
    try {
      progress({ phase: 'sleeping', detail: { pid: session.pid } });
      await session.query('SELECT pg_sleep($1)', [plan.seconds]);
      return { sleptSeconds: plan.seconds, pid: session.pid };
    } finally {
      await session.close();
    }
  },
});

const adminOnly = defineAction({
  name: 'admin-only',
  title: 'Admin only',
  description: 'Test action needing admin.',
  targetKind: 'postgres',
  params: z.strictObject({}),
  role: 'admin',
  destructive: true,
  supportsDryRun: false,
  refreshes: [],
  prepare: () => Promise.resolve({ scope: 'admin', plan: null }),
  run: () => Promise.resolve({ done: true }),
});

const failing = defineAction({
  name: 'always-fails',
  title: 'Always fails',
  description: 'Test action that fails.',
  targetKind: 'postgres',
  params: z.strictObject({}),
  role: 'operator',
  destructive: false,
  supportsDryRun: false,
  refreshes: [],
  prepare: () => Promise.resolve({ scope: 'fail', plan: null }),
  run: () => Promise.reject(new Error('the disk caught fire')),
});

const testActions = [serverSleep, adminOnly, failing];

describe('job API with tokens and a state database', () => {
  let state: TestDatabase;
  let exporter: TestExporter;
  let url: string;

  beforeAll(async () => {
    state = await createTestDatabase('jobs_api_state');
    process.env.TEST_VIEWER_TOKEN = TOKENS.viewer;
    process.env.TEST_OPERATOR_TOKEN = TOKENS.operator;
    process.env.TEST_ADMIN_TOKEN = TOKENS.admin;
    exporter = await startTestExporter(
      {
        postgres: [{ name: 'main', dsn: harness().primary.dsn }],
        redis: [{ name: 'cache', url: harness().redis.url }],
        state: { dsn: state.dsn },
        auth: {
          tokens: [
            { name: 'dash', tokenEnv: 'TEST_VIEWER_TOKEN', role: 'viewer' },
            { name: 'grafana', tokenEnv: 'TEST_OPERATOR_TOKEN', role: 'operator' },
            { name: 'ops', tokenEnv: 'TEST_ADMIN_TOKEN', role: 'admin' },
          ],
        },
      },
      { collectors: [], actions: testActions },
    );
    url = exporter.url;
    expect(await exporter.jobs.ready()).toBeDefined();
  });

  afterAll(async () => {
    await exporter?.close();
    await state?.drop();
  });

  const jobCount = async () => Number((await queryOnce<{ n: string }>(state.dsn, 'SELECT count(*) AS n FROM upkeep.jobs'))[0]?.n);

  it('creates the state schema by migration at start-up', async () => {
    const rows = await queryOnce<{ version: number }>(state.dsn, 'SELECT version FROM upkeep.schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual([1]);
  });

  it('answers 401 without a token or with a wrong one, and audits the refusal', async () => {
    const none = await api(url, 'POST', '/api/v1/jobs', { body: { action: 'server-sleep', target: 'main' } });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'unauthenticated' } });
    const wrong = await api(url, 'POST', '/api/v1/jobs', { token: 'not-a-token', body: { action: 'server-sleep', target: 'main' } });
    expect(wrong.status).toBe(401);
    const reads = await api(url, 'GET', '/api/v1/jobs');
    expect(reads.status).toBe(401);
    const audit = await api<{ entries: { outcome: string; statusCode: number; action: string | null }[] }>(url, 'GET', '/api/v1/audit?outcome=denied', { token: TOKENS.viewer });
    expect(audit.body.entries.filter((e) => e.statusCode === 401 && e.action === 'server-sleep').length).toBeGreaterThanOrEqual(2);
  });

  it('checks each role against each action', async () => {
    const cases: [keyof typeof TOKENS, string, number][] = [
      ['viewer', 'server-sleep', 403],
      ['viewer', 'admin-only', 403],
      ['operator', 'admin-only', 403],
      ['operator', 'server-sleep', 202],
      ['admin', 'admin-only', 202],
    ];
    for (const [role, action, expected] of cases) {
      const params = action === 'server-sleep' ? { seconds: 0, lane: `roles${role}` } : {};
      const res = await api<{ job: JobBody }>(url, 'POST', '/api/v1/jobs', { token: TOKENS[role], body: { action, target: 'main', params } });
      expect(res.status, `${role} → ${action} ${JSON.stringify(res.body)}`).toBe(expected);
      if (expected === 202) expect((await waitForJob(url, res.body.job.id, TOKENS.viewer)).status).toBe('succeeded');
    }
    const denied = await api<{ entries: { actor: string; action: string; statusCode: number }[] }>(url, 'GET', '/api/v1/audit?outcome=denied&action=admin-only', {
      token: TOKENS.viewer,
    });
    expect(denied.body.entries.map((e) => [e.actor, e.statusCode])).toEqual(expect.arrayContaining([['grafana', 403], ['dash', 403]]));
  });

  it('rejects bad input with a JSON 4xx and records no job', async () => {
    const before = await jobCount();
    const token = TOKENS.admin;
    const cases: [string, Parameters<typeof api>[3], number, string][] = [
      ['invalid JSON', { token, rawBody: '{"action": "server-sleep",' }, 400, 'invalid_json'],
      ['oversized body', { token, rawBody: JSON.stringify({ action: 'server-sleep', target: 'main', params: { pad: 'x'.repeat(100_000) } }) }, 413, 'payload_too_large'],
      ['not JSON', { token, rawBody: 'action=server-sleep', contentType: 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
      ['unknown field', { token, body: { action: 'server-sleep', target: 'main', force: true } }, 400, 'invalid_request'],
      ['params not an object', { token, body: { action: 'server-sleep', target: 'main', params: 'DROP TABLE x' } }, 400, 'invalid_request'],
      ['unknown action', { token, body: { action: 'drop-everything', target: 'main' } }, 404, 'unknown_action'],
      ['unknown target', { token, body: { action: 'server-sleep', target: "main'; DROP TABLE pg_class; --" } }, 404, 'unknown_target'],
      ['wrong target kind', { token, body: { action: 'server-sleep', target: 'cache' } }, 422, 'wrong_target_kind'],
      ['wrong param type', { token, body: { action: 'server-sleep', target: 'main', params: { seconds: '1; SELECT pg_sleep(100)' } } }, 422, 'invalid_params'],
      ['unknown param', { token, body: { action: 'server-sleep', target: 'main', params: { seconds: 1, sql: 'DROP TABLE x' } } }, 422, 'invalid_params'],
      ['injection in a string param', { token, body: { action: 'server-sleep', target: 'main', params: { lane: "one'); DROP TABLE t; --" } } }, 422, 'invalid_params'],
      ['rejected by prepare', { token, body: { action: 'server-sleep', target: 'main', params: { lane: 'missing' } } }, 404, 'unknown_lane'],
      ['no dry run', { token, body: { action: 'admin-only', target: 'main', dryRun: true } }, 422, 'dry_run_unsupported'],
    ];
    for (const [what, options, status, code] of cases) {
      const res = await api<{ error: { code: string; message: string } }>(url, 'POST', '/api/v1/jobs', options);
      expect(res.status, what).toBe(status);
      expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
      expect(res.body.error.code, what).toBe(code);
      expect(res.body.error.message.length, what).toBeGreaterThan(5);
    }
    expect(await jobCount()).toBe(before);
    // Even a body that could not be read is in the audit log, under the caller who sent it.
    const unreadable = await api<{ entries: { actor: string; statusCode: number; detail: string }[] }>(url, 'GET', '/api/v1/audit?outcome=rejected&actor=ops', { token });
    expect(unreadable.body.entries.map((e) => e.statusCode)).toEqual(expect.arrayContaining([400, 413, 415]));
    const unknownJob = await api(url, 'GET', '/api/v1/jobs/00000000-0000-0000-0000-000000000000', { token });
    expect(unknownJob.status).toBe(404);
    const malformedId = await api(url, 'GET', "/api/v1/jobs/1'%20OR%201=1", { token });
    expect(malformedId.status).toBe(404);
    const badFilter = await api(url, 'GET', '/api/v1/jobs?status=exploded', { token });
    expect(badFilter.status).toBe(400);
  });

  it('returns the same job for the same idempotency key, and refuses the key for another request', async () => {
    const body = { action: 'server-sleep', target: 'main', params: { seconds: 0, lane: 'idem' }, idempotencyKey: 'nightly-2026-11-23' };
    const first = await api<{ job: JobBody; created: boolean }>(url, 'POST', '/api/v1/jobs', { token: TOKENS.operator, body });
    expect(first.status).toBe(202);
    const again = await api<{ job: JobBody; created: boolean }>(url, 'POST', '/api/v1/jobs', { token: TOKENS.operator, body });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.job.id).toBe(first.body.job.id);
    const reordered = { ...body, params: { lane: 'idem', seconds: 0 } };
    expect((await api<{ job: JobBody }>(url, 'POST', '/api/v1/jobs', { token: TOKENS.operator, body: reordered })).body.job.id).toBe(first.body.job.id);
    const other = await api(url, 'POST', '/api/v1/jobs', { token: TOKENS.operator, body: { ...body, params: { seconds: 1, lane: 'idem' } } });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { code: 'idempotency_key_reused' } });
  });

  it('runs one job per target and scope: the second gets a 409 naming the first; cancelling ends the backend', async () => {
    const start = () => api<{ job: JobBody; error: { code: string; details: { runningJob: { id: string } } } }>(url, 'POST', '/api/v1/jobs', {
      token: TOKENS.operator,
      body: { action: 'server-sleep', target: 'main', params: { seconds: 30, lane: 'busy' } },
    });
    const first = await start();
    expect(first.status).toBe(202);
    const id = first.body.job.id;
    const second = await start();
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('job_conflict');
    expect(second.body.error.details.runningJob.id).toBe(id);

    // Another scope is free meanwhile.
    const elsewhere = await api<{ job: JobBody }>(url, 'POST', '/api/v1/jobs', { token: TOKENS.operator, body: { action: 'server-sleep', target: 'main', params: { seconds: 0, lane: 'free' } } });
    expect(elsewhere.status).toBe(202);

    const backend = () => queryOnce<{ pid: number }>(harness().primary.dsn, 'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`upkeep-job:${id}`]);
    await expect.poll(async () => (await backend()).length, { timeout: 10_000 }).toBe(1);
    const running = await api<{ job: JobBody }>(url, 'GET', `/api/v1/jobs/${id}`, { token: TOKENS.viewer });
    expect(running.body.job.status).toBe('running');

    const viewerCancel = await api(url, 'POST', `/api/v1/jobs/${id}/cancel`, { token: TOKENS.viewer });
    expect(viewerCancel.status).toBe(403);
    const cancel = await api<{ job: JobBody }>(url, 'POST', `/api/v1/jobs/${id}/cancel`, { token: TOKENS.operator });
    expect(cancel.status).toBe(202);
    const finished = await waitForJob(url, id, TOKENS.viewer);
    expect(finished.status).toBe('cancelled');
    expect(finished.error?.message).toMatch(/^cancelled by grafana/);
    expect(await backend()).toEqual([]);
    const again = await api(url, 'POST', `/api/v1/jobs/${id}/cancel`, { token: TOKENS.operator });
    expect(again.status).toBe(409);

    // The scope is free again once the job ended.
    const third = await api<{ job: JobBody }>(url, 'POST', '/api/v1/jobs', { token: TOKENS.operator, body: { action: 'server-sleep', target: 'main', params: { seconds: 0, lane: 'busy' } } });
    expect(third.status).toBe(202);
    expect((await waitForJob(url, third.body.job.id, TOKENS.viewer)).status).toBe('succeeded');
  });

  it('records the Grafana user as the actor when the plugin proxy names one', async () => {
    const res = await api<{ job: JobBody }>(url, 'POST', '/api/v1/jobs', {
      token: TOKENS.operator,
      headers: { 'X-Grafana-Context': JSON.stringify({ UserID: 7, Login: 'alice', OrgRole: 'Editor' }) },
      body: { action: 'server-sleep', target: 'main', params: { seconds: 0, lane: 'grafana' } },
    });
    expect(res.status).toBe(202);
    expect(res.body.job.actor).toBe('grafana:alice');
    const done = await waitForJob(url, res.body.job.id, TOKENS.viewer);
    expect(done.result).toMatchObject({ sleptSeconds: 0 });
    const audit = await api<{ entries: { actor: string; tokenName: string; event: string; outcome: string; jobId: string }[] }>(url, 'GET', '/api/v1/audit?actor=grafana:alice', {
      token: TOKENS.viewer,
    });
    expect(audit.body.entries.map((e) => [e.event, e.outcome, e.tokenName])).toEqual([
      ['job.finished', 'succeeded', 'grafana'],
      ['job.requested', 'accepted', 'grafana'],
    ]);
  });

  it('lowers a token\'s role to X-Upkeep-Role-Limit, never raises it, and says so in whoami', async () => {
    const asEditor = { token: TOKENS.admin, headers: { 'X-Upkeep-Role-Limit': 'operator' } };
    const who = await api<{ role: string; tokenRole: string; tokenName: string; readOnly: boolean }>(url, 'GET', '/api/v1/whoami', asEditor);
    expect(who.body).toMatchObject({ role: 'operator', tokenRole: 'admin', tokenName: 'ops', readOnly: false });
    const refused = await api(url, 'POST', '/api/v1/jobs', { ...asEditor, body: { action: 'admin-only', target: 'main' } });
    expect(refused.status).toBe(403);
    const refusal = refused.body as { error: { code: string; message: string } };
    expect(refusal.error.code).toBe('forbidden');
    expect(refusal.error.message).toMatch(/needs the admin role; ops has operator/);
    // A limit above the token's role changes nothing.
    const raised = await api(url, 'POST', '/api/v1/jobs', { token: TOKENS.operator, headers: { 'X-Upkeep-Role-Limit': 'admin' }, body: { action: 'admin-only', target: 'main' } });
    expect(raised.status).toBe(403);
    expect((await api<{ role: string }>(url, 'GET', '/api/v1/whoami', { token: TOKENS.operator, headers: { 'X-Upkeep-Role-Limit': 'admin' } })).body.role).toBe('operator');
    const bogus = await api(url, 'GET', '/api/v1/whoami', { token: TOKENS.admin, headers: { 'X-Upkeep-Role-Limit': 'root' } });
    expect(bogus.status).toBe(400);
    expect((bogus.body as { error: { message: string } }).error.message).toMatch(/X-Upkeep-Role-Limit must be one of viewer, operator, admin/);
    const asAdmin = await api<{ job: JobBody }>(url, 'POST', '/api/v1/jobs', { token: TOKENS.admin, headers: { 'X-Upkeep-Role-Limit': 'admin' }, body: { action: 'admin-only', target: 'main' } });
    expect(asAdmin.status).toBe(202);
    expect((await waitForJob(url, asAdmin.body.job.id, TOKENS.viewer)).status).toBe('succeeded');
  });

  it('records a failing action as failed, with its error, and counts it', async () => {
    // Counted from 0, so that increase() sees the first failure after a restart.
    const before = await exporter.scrape();
    expect(before.metrics.value('upkeep_job_runs_total', { action: 'always-fails', result: 'failed' })).toBe(0);
    expect(before.metrics.value('upkeep_job_runs_total', { action: 'server-sleep', result: 'interrupted' })).toBe(0);
    const res = await api<{ job: JobBody }>(url, 'POST', '/api/v1/jobs', { token: TOKENS.operator, body: { action: 'always-fails', target: 'main' } });
    const done = await waitForJob(url, res.body.job.id, TOKENS.viewer);
    expect(done.status).toBe('failed');
    expect(done.error).toEqual({ code: 'action_failed', message: 'the disk caught fire' });
    const scrape = await exporter.scrape();
    expect(scrape.metrics.value('upkeep_job_runs_total', { action: 'always-fails', result: 'failed' })).toBe(1);
    expect(scrape.metrics.value('upkeep_job_duration_seconds_count', { action: 'always-fails' })).toBe(1);
    expect(scrape.metrics.value('upkeep_jobs_running', {})).toBe(0);
    expect(scrape.metrics.value('upkeep_job_last_success_timestamp_seconds', { action: 'server-sleep', target: 'main' })).toBeGreaterThan(Date.now() / 1000 - 120);
  });

  it('lists jobs newest first, filtered and paginated', async () => {
    const page1 = await api<{ jobs: JobBody[]; nextCursor: string | null }>(url, 'GET', '/api/v1/jobs?action=server-sleep&limit=2', { token: TOKENS.viewer });
    expect(page1.status).toBe(200);
    expect(page1.body.jobs).toHaveLength(2);
    expect(page1.body.nextCursor).not.toBeNull();
    const page2 = await api<{ jobs: JobBody[] }>(url, 'GET', `/api/v1/jobs?action=server-sleep&limit=2&cursor=${page1.body.nextCursor}`, { token: TOKENS.viewer });
    const ids1 = page1.body.jobs.map((j) => j.id);
    expect(page2.body.jobs.every((j) => !ids1.includes(j.id))).toBe(true);
    const cancelled = await api<{ jobs: JobBody[] }>(url, 'GET', '/api/v1/jobs?status=cancelled', { token: TOKENS.viewer });
    expect(cancelled.body.jobs.length).toBeGreaterThanOrEqual(1);
    expect(cancelled.body.jobs.every((j) => j.status === 'cancelled')).toBe(true);
  });

  it('serves the catalog with JSON schemas and the targets with their actions', async () => {
    const catalog = await api<{ readOnly: boolean; actions: { name: string; role: string; paramsSchema: { properties: Record<string, unknown> } }[] }>(url, 'GET', '/api/v1/actions', {
      token: TOKENS.viewer,
    });
    expect(catalog.body.readOnly).toBe(false);
    const sleep = catalog.body.actions.find((a) => a.name === 'server-sleep');
    expect(sleep?.role).toBe('operator');
    expect(Object.keys(sleep?.paramsSchema.properties ?? {})).toEqual(['seconds', 'lane']);
    const targets = await api<{ targets: { name: string; kind: string; actions: string[] }[] }>(url, 'GET', '/api/v1/targets', { token: TOKENS.viewer });
    expect(targets.body.targets.find((t) => t.name === 'main')?.actions).toEqual(['server-sleep', 'admin-only', 'always-fails']);
    expect(targets.body.targets.find((t) => t.name === 'cache')?.actions).toEqual([]);
  });

  it('describes every route it serves in its OpenAPI document, and nothing else', async () => {
    const doc = await api<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(url, 'GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.body.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    const probe = (path: string) => path.replace('{id}', '00000000-0000-0000-0000-000000000000');
    for (const route of documented) {
      const [method = 'GET', path = '/'] = route.split(' ');
      const res = await fetch(`${url}${probe(path)}`, {
        method,
        headers: { Authorization: `Bearer ${TOKENS.viewer}`, 'Content-Type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      const text = await res.text();
      // A documented route may answer 4xx for this probe, but never "no such endpoint" or "method not allowed".
      expect(res.status, `${route} is documented but not served`).not.toBe(405);
      expect(text, `${route} is documented but not served`).not.toContain('no such endpoint');
    }
    // Every path the app answers (with any method) is documented with exactly the methods it allows.
    for (const path of Object.keys(doc.body.paths)) {
      const res = await fetch(`${url}${probe(path)}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKENS.viewer}` } });
      expect(res.status, `DELETE ${path}`).toBe(405);
      const allowed = (res.headers.get('allow') ?? '').split(', ').sort();
      expect(allowed, path).toEqual(Object.keys(doc.body.paths[path] ?? {}).map((m) => m.toUpperCase()).sort());
    }
    const undocumented = await fetch(`${url}/api/v1/secrets`, { headers: { Authorization: `Bearer ${TOKENS.viewer}` } });
    expect(undocumented.status).toBe(404);
  });
});

describe('job API without tokens', () => {
  let exporter: TestExporter;
  beforeAll(async () => {
    exporter = await startTestExporter({ postgres: [{ name: 'main', dsn: harness().primary.dsn }] }, { collectors: [], actions: testActions });
  });
  afterAll(async () => {
    await exporter?.close();
  });

  it('is read-only and says so in errors and in /readyz', async () => {
    const catalog = await api<{ readOnly: boolean }>(exporter.url, 'GET', '/api/v1/actions');
    expect(catalog.status).toBe(200);
    expect(catalog.body.readOnly).toBe(true);
    const post = await api<{ error: { code: string; message: string } }>(exporter.url, 'POST', '/api/v1/jobs', { body: { action: 'server-sleep', target: 'main' } });
    expect(post.status).toBe(403);
    expect(post.body.error.code).toBe('read_only');
    expect(post.body.error.message).toContain('auth.tokens');
    const ready = await api<{ api: { readOnly: boolean; readOnlyReason: string; jobs: { state: string } } }>(exporter.url, 'GET', '/readyz');
    expect(ready.body.api).toMatchObject({ readOnly: true, jobs: { state: 'not_configured' } });
    expect(ready.body.api.readOnlyReason).toContain('read-only');
  });

  it('answers 503 for jobs and audit without a state database', async () => {
    const jobs = await api<{ error: { code: string } }>(exporter.url, 'GET', '/api/v1/jobs');
    expect(jobs.status).toBe(503);
    expect(jobs.body.error.code).toBe('state_not_configured');
  });
});
