import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ListedSession } from '../../api/exporterTypes';
import { queryQueries } from '../../metrics/queries';
import { ExporterFake, sample, signInAs } from '../../test/exporterFake';
import { jobFixture } from '../../test/fixtures/jobs';
import { renderPage } from '../../test/render';
import { Queries } from './Queries';

const session = (overrides: Partial<ListedSession>): ListedSession => ({
  pid: 100,
  database: 'shop',
  user: 'app',
  applicationName: 'checkout',
  clientAddr: '10.0.0.9',
  state: 'active',
  queryStart: '2026-12-07T02:50:00.123456Z',
  queryAgeSeconds: 600,
  transactionAgeSeconds: 600,
  stateAgeSeconds: 600,
  waitEventType: null,
  waitEvent: null,
  blockedBy: [],
  upkeepJobId: null,
  query: null,
  ...overrides,
});

function shop(fake: ExporterFake) {
  const q = queryQueries('main');
  const stmt = { target: 'main', datname: 'shop', user: 'app', queryid: '-42' };
  fake
    .prom(q.topByTime, [sample(stmt, 0.25)])
    .prom(q.calls, [sample(stmt, 12)])
    .prom(q.mean, [sample(stmt, 0.02)])
    .prom(q.text, [sample({ ...stmt, query: 'SELECT * FROM orders WHERE id = $1' }, 1)])
    .prom(q.available, [sample({ target: 'main' }, 1)]);
  const listing = () => ({
    sessions: [
      session({ pid: 100 }),
      session({ pid: 200, state: 'idle in transaction', queryAgeSeconds: 2000, stateAgeSeconds: 1900 }),
      session({ pid: 300, queryAgeSeconds: 30, blockedBy: [200], waitEventType: 'Lock', waitEvent: 'transactionid' }),
      session({ pid: 400, applicationName: 'upkeep-job:abcdef12-0000', upkeepJobId: 'abcdef12-0000' }),
    ],
    queryTextShown: false,
    truncated: false,
  });
  fake.on('GET', 'api/targets/main/sessions', listing);
  fake.on('GET', 'operator/targets/main/sessions', listing);
}

describe('Queries page', () => {
  it('lists running sessions with their age, blockers, and Cancel / Terminate where they apply', async () => {
    signInAs('Admin');
    const fake = new ExporterFake().install();
    shop(fake);
    renderPage(<Queries />, '/queries?target=main');
    const table = await screen.findByTestId('sessions-table');
    const row = (pid: number) => within(table).getByText(String(pid), { selector: 'td' }).closest('tr')!;
    expect(within(row(100)).getByText('10 m 00 s').closest('[data-severity]')).toHaveAttribute(
      'data-severity',
      'warning'
    );
    expect(within(row(200)).getByText('31 m 40 s').closest('[data-severity]')).toHaveAttribute(
      'data-severity',
      'critical'
    );
    expect(within(row(200)).queryByRole('button', { name: /^cancel/i })).toBeNull();
    expect(within(row(200)).getByRole('button', { name: /terminate/i })).toBeInTheDocument();
    expect(within(row(300)).getByText('locks of 200')).toBeInTheDocument();
    expect(within(row(400)).getByText(/cancel it on Jobs & audit/)).toBeInTheDocument();
    expect(fake.requestsTo('operator/targets/main/sessions')[0]?.params).toEqual({ minAgeSeconds: 5, limit: 100 });
    expect(fake.requestsTo('api/targets/main/sessions')).toEqual([]);

    await waitFor(() => expect(within(row(100)).getByRole('button', { name: 'Cancel main' })).toBeEnabled());
    fireEvent.click(within(row(100)).getByRole('button', { name: 'Cancel main' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('action-summary')).toHaveTextContent('2026-12-07T02:50:00.123456Z');
  });

  it('keeps the dialog, its progress and its result when the cancelled session leaves the list', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    shop(fake);
    const job = jobFixture({ action: 'cancel-query', status: 'running', progress: { phase: 'signalling' } });
    let cancelled = false;
    fake.on('POST', 'operator/jobs', () => {
      cancelled = true;
      return { job, created: true };
    });
    fake.on('GET', `api/jobs/${job.id}`, () => ({
      job: { ...job, status: 'succeeded', finishedAt: '2026-12-07T03:00:02.000Z', result: { signalled: true } },
    }));
    // Once cancelled, the session no longer runs a query: the exporter stops listing it.
    fake.on('GET', 'operator/targets/main/sessions', () => ({
      sessions: cancelled ? [] : [session({ pid: 100 })],
      queryTextShown: true,
      truncated: false,
    }));
    renderPage(<Queries />, '/queries?target=main');
    const table = await screen.findByTestId('sessions-table');
    await waitFor(() => expect(within(table).getByRole('button', { name: 'Cancel main' })).toBeEnabled());
    fireEvent.click(within(table).getByRole('button', { name: 'Cancel main' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Confirmation'), { target: { value: 'main' } });
    fireEvent.click(within(dialog).getByRole('button', { name: /run cancel query/i }));
    await waitFor(() => expect(screen.queryByTestId('sessions-table')).toBeNull(), { timeout: 8000 });
    await waitFor(
      () =>
        expect(within(screen.getByRole('dialog')).getByTestId('job-progress')).toHaveAttribute(
          'data-status',
          'succeeded'
        ),
      { timeout: 5000 }
    );
    expect(within(screen.getByRole('dialog')).getByTestId('job-result')).toHaveTextContent('signalled');
  }, 20_000);

  it('shows the top statements with their text when the exporter exports it', async () => {
    signInAs('Viewer');
    shop(new ExporterFake().install());
    renderPage(<Queries />, '/queries?target=main');
    expect(await screen.findByText('SELECT * FROM orders WHERE id = $1')).toBeInTheDocument();
    const row = screen.getByText('-42').closest('tr')!;
    expect(row).toHaveTextContent('250.0 ms');
    expect(row).toHaveTextContent('12.00');
  });

  it('shows one database’s sessions and statements when a link names it', async () => {
    signInAs('Viewer');
    const fake = new ExporterFake().install();
    shop(fake);
    renderPage(<Queries />, '/queries?target=main&database=billing');
    expect(await screen.findByText('Database billing only')).toBeInTheDocument();
    expect(await screen.findByText('No session has run a query or held a transaction that long.')).toBeInTheDocument();
    expect(screen.getByText('No statement ran in the last 5 minutes')).toBeInTheDocument();
  });

  it('asks to choose the session when a link asks to cancel without naming one', async () => {
    signInAs('Editor');
    shop(new ExporterFake().install());
    renderPage(<Queries />, '/queries?target=main&action=cancel-query');
    expect(await screen.findByText(/choose the session below/)).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('opens the cancel dialog for the pid a deep link names', async () => {
    signInAs('Editor');
    shop(new ExporterFake().install());
    renderPage(<Queries />, '/queries?target=main&pid=100&action=cancel-query');
    expect(await screen.findByRole('dialog')).toHaveTextContent(/cancel query on main/i);
  });
});
