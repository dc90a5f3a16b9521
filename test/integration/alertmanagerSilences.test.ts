/**
 * Maintenance silences against Debian's real Alertmanager: the silencer
 * creates a silence on the job's target and expires it; through the job
 * runner, the silence is active while a job runs and expired once it ends;
 * an unreachable Alertmanager costs a warning, never the job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerSilencer } from '../../exporter/src/alerting/alertmanagerSilences.js';
import { catalogOf, collectors } from '../../exporter/src/collectors/index.js';
import { validateConfig } from '../../exporter/src/config/load.js';
import { freePort } from '../../exporter/src/freePort.js';
import type { Caller, JobRecord } from '../../exporter/src/jobs/jobRecord.js';
import { JobService } from '../../exporter/src/jobs/jobService.js';
import type { JobSilencer } from '../../exporter/src/jobs/silences.js';
import { TargetSet } from '../../exporter/src/targets/index.js';
import { AlertmanagerServer, type Silence } from '../harness/alertmanagerServer.js';
import { captureLog, eventually, harness, temporaryDirectory, type CapturedLog } from '../harness/index.js';
import { createTestDatabase, type TestDatabase } from '../harness/databases.js';
import { blockUntilReleased } from '../harness/testActions.js';

/** A job as the runner hands it to the silencer. */
function jobRecord(fields: Partial<JobRecord>): JobRecord {
  return {
    id: '6c1a3b2e-4d5f-4a7b-9c8d-0e1f2a3b4c5d',
    action: 'vacuum',
    target: 'main',
    scope: 'table:appdb:16384',
    params: {},
    dryRun: false,
    status: 'running',
    progress: null,
    actor: 'alice',
    tokenName: null,
    origin: 'api',
    idempotencyKey: null,
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    finishedAt: null,
    cancelRequestedAt: null,
    cancelRequestedBy: null,
    result: null,
    error: null,
    ...fields,
  };
}

const blocking = blockUntilReleased();

const operator: Caller = { actor: 'bob', tokenName: 'ops', role: 'operator', origin: 'api' };

describe('Alertmanager maintenance silences', () => {
  let alertmanager: AlertmanagerServer;
  let state: TestDatabase;

  beforeAll(async () => {
    [alertmanager, state] = await Promise.all([temporaryDirectory('alertmanager-').then((dir) => AlertmanagerServer.start(dir)), createTestDatabase('silence_state')]);
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await state?.drop();
  });

  it('silences the job\'s target and expires the silence', async () => {
    const silencer = new AlertmanagerSilencer({ url: alertmanager.url });
    const job = jobRecord({ target: 'orders-db', actor: 'alice' });
    const id = await silencer.silence(job);

    const created = await alertmanager.silence(id);
    expect(created?.status.state).toBe('active');
    expect(created?.matchers).toEqual([{ name: 'target', value: 'orders-db', isRegex: false, isEqual: true }]);
    expect(created?.createdBy).toBe('alice');
    expect(created?.comment).toContain(job.id);
    expect(created?.comment).toContain('vacuum on orders-db');
    const hours = (Date.parse(created?.endsAt ?? '') - Date.parse(created?.startsAt ?? '')) / 3_600_000;
    expect(hours).toBeGreaterThan(3.9);
    expect(hours).toBeLessThanOrEqual(4);

    await silencer.expire(id);
    expect((await alertmanager.silence(id))?.status.state).toBe('expired');
  });

  it('keeps a path prefix in the URL and reports what Alertmanager refused', async () => {
    // A silence that would match every alert without the label is refused by Alertmanager itself.
    const silencer = new AlertmanagerSilencer({ url: `${alertmanager.url}/` });
    await expect(silencer.silence(jobRecord({ target: '' }))).rejects.toThrow(/Alertmanager POST \/api\/v2\/silences answered 400/);
    const prefixed = new AlertmanagerSilencer({ url: `${alertmanager.url}/behind-a-proxy` });
    await expect(prefixed.silence(jobRecord({}))).rejects.toThrow(/POST \/behind-a-proxy\/api\/v2\/silences answered 404/);
  });

  it('says why when Alertmanager cannot be reached', async () => {
    const silencer = new AlertmanagerSilencer({ url: `http://127.0.0.1:${await freePort()}` });
    await expect(silencer.silence(jobRecord({}))).rejects.toThrow(/Alertmanager POST \/api\/v2\/silences failed: ECONNREFUSED/);
    await expect(silencer.expire('0d4b6c0e-0000-4000-8000-000000000000')).rejects.toThrow(/DELETE .* failed: ECONNREFUSED/);
  });

  describe('through the job runner', () => {
    async function startJobs(silencer: JobSilencer): Promise<{ jobs: JobService; captured: CapturedLog; stop: () => Promise<void> }> {
      const result = await validateConfig({ postgres: [{ name: 'main', dsn: harness().primary.dsn }], state: { dsn: state.dsn } }, { collectors: catalogOf(collectors) });
      if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.problems)}`);
      const captured = captureLog();
      const targets = await TargetSet.fromConfig(result.config, captured.log);
      const jobs = new JobService({ stateDsn: state.dsn, actions: [blocking.action], targets, scheduled: undefined, silencer, log: captured.log });
      await jobs.start();
      return {
        jobs,
        captured,
        stop: async () => {
          await jobs.stop();
          await targets.close();
        },
      };
    }

    it('holds a silence on the target while the job runs and expires it when the job ends', async () => {
      const { jobs, stop } = await startJobs(new AlertmanagerSilencer({ url: alertmanager.url }));
      try {
        const runner = jobs.runner;
        if (!runner) throw new Error('job service not ready');
        const { job } = await runner.submit({ action: 'block-until-released', target: 'main', params: {} }, operator);
        let silence: Silence | undefined;
        await eventually(async () => {
          silence = (await alertmanager.silences()).find((s) => s.comment.includes(job.id));
          return silence !== undefined;
        }, 'a silence naming the job');
        expect(silence?.status.state).toBe('active');
        expect(silence?.matchers).toEqual([{ name: 'target', value: 'main', isRegex: false, isEqual: true }]);
        expect(silence?.createdBy).toBe('bob');

        blocking.release();
        const finished = await runner.waitFor(job.id);
        expect(finished?.status).toBe('succeeded');
        expect((await alertmanager.silence(silence?.id ?? ''))?.status.state).toBe('expired');
      } finally {
        await stop();
      }
    });

    it('runs the job anyway when Alertmanager is unreachable, with a warning', async () => {
      const { jobs, captured, stop } = await startJobs(new AlertmanagerSilencer({ url: `http://127.0.0.1:${await freePort()}` }));
      try {
        const runner = jobs.runner;
        if (!runner) throw new Error('job service not ready');
        const { job } = await runner.submit({ action: 'block-until-released', target: 'main', params: {} }, operator);
        await eventually(() => Promise.resolve(captured.events('job.started').length === 1), 'the job to start');
        blocking.release();
        expect((await runner.waitFor(job.id))?.status).toBe('succeeded');
        const warnings = captured.events('jobs.silence_failed');
        expect(warnings).toHaveLength(1);
        expect(JSON.stringify(warnings[0]?.error)).toContain('ECONNREFUSED');
      } finally {
        await stop();
      }
    });
  });
});
