import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Job } from '../../api/exporterTypes';
import { ExporterFake, signInAs } from '../../test/exporterFake';
import { HttpFailure } from '../../test/fakeBackend';
import { jobFixture } from '../../test/fixtures/jobs';
import { renderPage } from '../../test/render';
import { ActionButton } from './ActionButton';
import { JOB_POLL_MS } from './useJobRun';

const TABLE = { database: 'shop', table: 'public.orders' };

/** Serves a job that goes through the given states, one per poll. */
function jobLifecycle(fake: ExporterFake, states: Array<Partial<Job>>, base: Partial<Job> = {}) {
  let poll = 0;
  const job = jobFixture(base);
  fake.on('POST', 'operator/jobs', () => ({ job: { ...job, ...states[0] }, created: true }));
  fake.on('POST', 'admin/jobs', () => ({ job: { ...job, ...states[0] }, created: true }));
  fake.on('GET', `api/jobs/${job.id}`, () => {
    poll = Math.min(poll + 1, states.length - 1);
    return { job: { ...job, ...states[poll] } };
  });
  return job;
}

async function openDialog(name: RegExp) {
  // The disabled button (inside its tooltip) and the enabled one are different elements.
  await waitFor(() => expect(screen.getByRole('button', { name })).toBeEnabled());
  fireEvent.click(screen.getByRole('button', { name }));
  return screen.findByRole('dialog');
}

describe('ActionButton', () => {
  beforeEach(() => jest.useRealTimers());

  it('runs an action: confirm shows target and params, progress follows the job to done, the result shows', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    const job = jobLifecycle(fake, [
      { status: 'running', progress: { phase: 'scanning heap', percent: 10 } },
      { status: 'running', progress: { phase: 'vacuuming indexes', percent: 60 } },
      { status: 'succeeded', finishedAt: '2026-12-07T03:00:09.000Z', progress: { phase: 'done', percent: 100 }, result: { dryRun: false, before: { deadTuples: 16000 }, after: { deadTuples: 0 } } },
    ]);
    const finished = jest.fn();
    renderPage(<ActionButton action="vacuum" target="main" params={TABLE} onFinished={finished} />);

    const dialog = await openDialog(/vacuum main/i);
    const summary = within(dialog).getByTestId('action-summary');
    expect(summary).toHaveTextContent('vacuum');
    expect(summary).toHaveTextContent('main');
    expect(summary).toHaveTextContent('public.orders');
    expect(summary).toHaveTextContent('the operator role');

    fireEvent.click(within(dialog).getByRole('button', { name: /run vacuum/i }));
    expect(await within(dialog).findByText('scanning heap')).toBeInTheDocument();
    await waitFor(() => expect(within(dialog).getByTestId('job-progress')).toHaveAttribute('data-status', 'succeeded'), { timeout: 4 * JOB_POLL_MS + 2000 });
    expect(within(dialog).getByTestId('job-result')).toHaveTextContent(/dead tuples/i);
    expect(within(dialog).getByRole('link', { name: /job 00000000/i })).toHaveAttribute('href', `/a/upkeep-maintenance-app/jobs?job=${job.id}`);
    expect(finished).toHaveBeenCalledWith(expect.objectContaining({ id: job.id, status: 'succeeded' }));

    const submitted = fake.requestsTo('operator/jobs', 'POST');
    expect(submitted).toHaveLength(1);
    expect(submitted[0]?.data).toMatchObject({ action: 'vacuum', target: 'main', params: TABLE, dryRun: false, idempotencyKey: expect.any(String) });
  });

  it('previews with a dry run first, then runs for real with its own idempotency key', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    jobLifecycle(fake, [{ status: 'succeeded', dryRun: true, result: { dryRun: true, statements: ['VACUUM public.orders'] }, finishedAt: '2026-12-07T03:00:01.000Z' }]);
    renderPage(<ActionButton action="vacuum" target="main" params={TABLE} />);
    const dialog = await openDialog(/vacuum main/i);

    fireEvent.click(within(dialog).getByRole('button', { name: /preview/i }));
    expect(await within(dialog).findByText(/dry run: nothing was changed/i)).toBeInTheDocument();
    await waitFor(() => expect(within(dialog).getByTestId('job-result')).toHaveTextContent('VACUUM public.orders'));
    fireEvent.click(within(dialog).getByRole('button', { name: /run vacuum/i }));
    await waitFor(() => expect(fake.requestsTo('operator/jobs', 'POST')).toHaveLength(2));
    const [preview, real] = fake.requestsTo('operator/jobs', 'POST').map((r) => r.data as { dryRun: boolean; idempotencyKey: string });
    expect(preview?.dryRun).toBe(true);
    expect(real?.dryRun).toBe(false);
    expect(real?.idempotencyKey).not.toBe(preview?.idempotencyKey);
  });

  it('makes destructive actions wait for the target’s name, and admin ones go through the admin route', async () => {
    signInAs('Admin');
    const fake = new ExporterFake().install();
    jobLifecycle(fake, [{ status: 'succeeded', finishedAt: '2026-12-07T03:00:01.000Z', result: { signalled: true } }], { action: 'terminate-backend' });
    renderPage(<ActionButton action="terminate-backend" target="main" params={{ pid: 4242, queryStart: '2026-12-07T02:59:00.123456Z' }} />);
    const dialog = await openDialog(/terminate/i);
    const run = within(dialog).getByRole('button', { name: /run terminate/i });
    expect(run).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Confirmation'), { target: { value: 'mian' } });
    expect(run).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Confirmation'), { target: { value: 'main' } });
    expect(run).toBeEnabled();
    fireEvent.click(run);
    await waitFor(() => expect(fake.requestsTo('admin/jobs', 'POST')).toHaveLength(1));
    expect(fake.requestsTo('operator/jobs', 'POST')).toHaveLength(0);
  });

  it('asks for the target’s name when params raise the role (VACUUM FULL), and calls the button Close once a job runs', async () => {
    signInAs('Admin');
    const fake = new ExporterFake().install();
    jobLifecycle(fake, [{ status: 'running', progress: { phase: 'rewriting' } }]);
    renderPage(<ActionButton action="vacuum" label="Vacuum full" target="main" params={{ ...TABLE, full: true }} />);
    const dialog = await openDialog(/vacuum full main/i);
    expect(within(dialog).getByTestId('action-summary')).toHaveTextContent('the admin role (VACUUM FULL)');
    expect(within(dialog).getByText('Take care: VACUUM FULL')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: /run vacuum/i })).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Confirmation'), { target: { value: 'main' } });
    fireEvent.click(within(dialog).getByRole('button', { name: /run vacuum/i }));
    expect(await within(dialog).findByText('rewriting')).toBeInTheDocument();
    expect(within(dialog).queryByText('Cancel', { selector: 'button span' })).toBeNull();
    expect(within(dialog).getByText('Close', { selector: 'button span' })).toBeInTheDocument();
    expect(fake.requestsTo('admin/jobs', 'POST')[0]?.data).toMatchObject({ params: { ...TABLE, full: true } });
  });

  it('is disabled with the reason for a Viewer, for params that need an admin, and when the exporter is read-only', async () => {
    signInAs('Viewer');
    new ExporterFake().install();
    const { unmount } = renderPage(<ActionButton action="vacuum" target="main" params={TABLE} />);
    await waitFor(() => expect(screen.getByTestId('action-vacuum-disabled')).toHaveAttribute('data-reason', expect.stringMatching(/needs the Grafana Editor role; you are a Viewer/)));
    expect(screen.getByRole('button', { name: /vacuum main/i })).toBeDisabled();
    unmount();

    signInAs('Editor');
    const second = renderPage(<ActionButton action="vacuum" label="Vacuum full" target="main" params={{ ...TABLE, full: true }} />);
    await waitFor(() =>
      expect(screen.getByTestId('action-vacuum-disabled')).toHaveAttribute('data-reason', expect.stringMatching(/VACUUM FULL\) needs the Grafana Admin role; you are an Editor/)),
    );
    second.unmount();

    signInAs('Admin');
    new ExporterFake({ tokenRole: 'operator' }).install();
    const third = renderPage(<ActionButton action="vacuum" label="Vacuum full" target="main" params={{ ...TABLE, full: true }} />);
    await waitFor(() => expect(screen.getByTestId('action-vacuum-disabled')).toHaveAttribute('data-reason', expect.stringMatching(/token Grafana uses has operator/)));
    third.unmount();

    new ExporterFake({ readOnly: true }).install();
    renderPage(<ActionButton action="analyze" target="main" params={TABLE} />);
    await waitFor(() => expect(screen.getByTestId('action-analyze-disabled')).toHaveAttribute('data-reason', expect.stringMatching(/read-only/)));
  });

  it('shows the exporter’s refusal (409 naming the running job) and starts nothing else', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    fake.on('POST', 'operator/jobs', () => new HttpFailure(409, { error: { code: 'job_conflict', message: 'vacuum job 1234 already runs on table public.orders' } }));
    renderPage(<ActionButton action="vacuum" target="main" params={TABLE} />);
    const dialog = await openDialog(/vacuum main/i);
    fireEvent.click(within(dialog).getByRole('button', { name: /run vacuum/i }));
    expect(await within(dialog).findByTestId('job-refused')).toHaveTextContent('already runs on table public.orders');
    expect(within(dialog).getByTestId('job-refused')).toHaveTextContent('job_conflict');
  });

  it('cancels a running job through the same route and shows it ending cancelled', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    const job = jobFixture({ status: 'running', progress: { phase: 'scanning heap', percent: 5 } });
    let cancelled = false;
    fake.on('POST', 'operator/jobs', () => ({ job, created: true }));
    fake.on('POST', `operator/jobs/${job.id}/cancel`, () => {
      cancelled = true;
      return { job: { ...job, cancelRequestedAt: '2026-12-07T03:00:02.000Z', cancelRequestedBy: 'grafana:alice' } };
    });
    fake.on('GET', `api/jobs/${job.id}`, () => ({
      job: cancelled ? { ...job, status: 'cancelled', finishedAt: '2026-12-07T03:00:03.000Z', error: { code: 'cancelled', message: 'cancelled by grafana:alice' } } : job,
    }));
    renderPage(<ActionButton action="vacuum" target="main" params={TABLE} />);
    const dialog = await openDialog(/vacuum main/i);
    fireEvent.click(within(dialog).getByRole('button', { name: /run vacuum/i }));
    fireEvent.click(await within(dialog).findByRole('button', { name: /cancel job/i }));
    await waitFor(() => expect(within(dialog).getByTestId('job-progress')).toHaveAttribute('data-status', 'cancelled'), { timeout: 3 * JOB_POLL_MS + 2000 });
    expect(within(dialog).getByTestId('job-error')).toHaveTextContent('cancelled by grafana:alice');
    await act(async () => undefined);
  });

  it('opens at once when a deep link asks for it', async () => {
    signInAs('Editor');
    new ExporterFake().install();
    renderPage(<ActionButton action="analyze" target="main" params={TABLE} autoOpen />);
    expect(await screen.findByRole('dialog')).toHaveTextContent(/analyze on main/i);
  });
});
