import { ExporterFake } from '../test/exporterFake';
import { HttpFailure } from '../test/fakeBackend';
import { EXPORTER_CALLS, fillPath } from './exporterCalls';
import { exporterClient } from './exporterClient';
import { RequestError } from './requestErrors';

describe('exporter client', () => {
  it('calls the plugin proxy with the table’s paths, encoding names, and without Grafana’s own error toasts', async () => {
    const fake = new ExporterFake().install();
    fake.on('GET', 'api/targets/a%2Fb%20c/sessions', () => ({ sessions: [], queryTextShown: false, truncated: false }));
    fake.on('GET', 'operator/targets/a%2Fb%20c/sessions', () => ({ sessions: [], queryTextShown: true, truncated: false }));
    await exporterClient.sessions('a/b c', 5, undefined);
    const request = fake.requests.at(-1);
    expect(request).toMatchObject({ url: 'api/plugin-proxy/upkeep-maintenance-app/api/targets/a%2Fb%20c/sessions', method: 'GET', params: { minAgeSeconds: 5, limit: 100 } });
    // Editors and Admins read through the operator route: the exporter shows them the sessions' query text.
    await exporterClient.sessions('a/b c', 5, 'admin');
    expect(fake.requests.at(-1)?.url).toBe('api/plugin-proxy/upkeep-maintenance-app/operator/targets/a%2Fb%20c/sessions');
    expect(() => fillPath(EXPORTER_CALLS.job.path)).toThrow(/no value for \{id\}/);
  });

  it('reads the exporter’s JSON errors, Grafana’s proxy refusals and an unreachable exporter into one error', async () => {
    const fake = new ExporterFake().install();
    fake.on('GET', 'api/jobs/x', () => new HttpFailure(404, { error: { code: 'unknown_job', message: 'no job with id "x"' } }));
    await expect(exporterClient.job('x')).rejects.toMatchObject({ status: 404, code: 'unknown_job', message: 'no job with id "x"' });

    fake.on('POST', 'operator/jobs', () => new HttpFailure(403, { message: 'plugin proxy route access denied' }));
    const denied = exporterClient.submitJob('operator', { action: 'vacuum', target: 'main', params: {}, dryRun: false, idempotencyKey: 'k' });
    await expect(denied).rejects.toBeInstanceOf(RequestError);
    await expect(denied).rejects.toMatchObject({ code: 'proxy_denied', message: 'Your Grafana role may not start vacuum.' });

    fake.on('GET', 'api/whoami', () => new HttpFailure(502, { message: 'Bad Gateway' }, 'Bad Gateway'));
    await expect(exporterClient.whoami()).rejects.toMatchObject({ code: 'exporter_unreachable', message: expect.stringMatching(/could not reach the exporter/) });
  });
});
