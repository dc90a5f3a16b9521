import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { AuditEntry } from '../../api/exporterTypes';
import { ExporterFake, signInAs } from '../../test/exporterFake';
import { jobFixture } from '../../test/fixtures/jobs';
import { renderPage } from '../../test/render';
import { Jobs } from './Jobs';

const running = jobFixture({
  status: 'running',
  progress: { phase: 'scanning heap', percent: 42, detail: { heapBlksScanned: 420 } },
});
const failed = jobFixture({
  action: 'backup',
  status: 'failed',
  finishedAt: '2026-12-07T03:01:00.000Z',
  error: { code: 'disk_full', message: 'no room for the dump' },
});
const audit: AuditEntry = {
  id: 7,
  at: '2026-12-07T03:00:00.000Z',
  actor: 'grafana:bob',
  tokenName: 'grafana',
  origin: 'grafana',
  event: 'job.requested',
  outcome: 'denied',
  action: 'terminate-backend',
  target: 'main',
  params: {},
  jobId: null,
  statusCode: 403,
  detail: 'needs the admin role',
};

function exporterWithJobs(fake: ExporterFake) {
  fake.on('GET', 'api/jobs', (request) => {
    const params = request.params ?? {};
    if (params.status === 'running') {
      return { jobs: [running], nextCursor: null };
    }
    if (params.cursor === '10') {
      return { jobs: [jobFixture({ action: 'analyze', status: 'succeeded' })], nextCursor: null };
    }
    return { jobs: [running, failed], nextCursor: '10' };
  });
  fake.on('GET', 'api/audit', (request) => ({
    entries: request.params?.outcome === 'succeeded' ? [] : [audit],
    nextCursor: null,
  }));
  fake.on('GET', `api/jobs/${failed.id}`, () => ({ job: failed }));
}

describe('Jobs & audit page', () => {
  it('shows running jobs with live progress, the history, and the audit log with refusals', async () => {
    signInAs('Viewer');
    const fake = new ExporterFake().install();
    exporterWithJobs(fake);
    renderPage(<Jobs />, '/jobs');
    const runningJobs = await screen.findByTestId('running-jobs');
    expect(within(runningJobs).getByText('scanning heap')).toBeInTheDocument();
    expect(within(runningJobs).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '42');
    expect(within(runningJobs).getByText(/heapBlksScanned: 420/)).toBeInTheDocument();
    // A Viewer may not cancel: disabled, with the reason.
    expect(within(runningJobs).getByRole('button', { name: /cancel/i })).toBeDisabled();

    const history = await screen.findByTestId('job-history');
    expect(within(history).getByText('no room for the dump')).toBeInTheDocument();
    fireEvent.click(within(history).getByRole('button', { name: 'Older jobs' }));
    expect(await within(history).findByText('analyze')).toBeInTheDocument();
    expect(fake.requestsTo('api/jobs').some((r) => r.params?.cursor === '10')).toBe(true);

    const log = await screen.findByTestId('audit-log');
    expect(within(log).getByText('grafana:bob (token grafana)')).toBeInTheDocument();
    expect(within(log).getByText('denied (403)')).toBeInTheDocument();
  });

  it('takes the history’s filter from a link', async () => {
    signInAs('Viewer');
    const fake = new ExporterFake().install();
    exporterWithJobs(fake);
    renderPage(<Jobs />, '/jobs?action=backup&target=main');
    await screen.findByTestId('job-history');
    expect(
      fake
        .requestsTo('api/jobs')
        .some((r) => r.params?.action === 'backup' && r.params?.target === 'main' && r.params?.status === undefined)
    ).toBe(true);
  });

  it('filters the audit log and opens a job’s details from the address', async () => {
    signInAs('Viewer');
    const fake = new ExporterFake().install();
    exporterWithJobs(fake);
    renderPage(<Jobs />, `/jobs?job=${failed.id}`);
    const details = await screen.findByTestId('job-details');
    expect(details).toHaveTextContent('backup');
    expect(within(details).getByTestId('job-error')).toHaveTextContent('no room for the dump');

    const who = screen.getByPlaceholderText('grafana:alice');
    fireEvent.change(who, { target: { value: 'grafana:bob' } });
    fireEvent.blur(who);
    await waitFor(() => expect(fake.requestsTo('api/audit').some((r) => r.params?.actor === 'grafana:bob')).toBe(true));
  });
});
