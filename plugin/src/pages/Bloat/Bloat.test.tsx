import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { bloatQueries } from '../../metrics/queries';
import { ExporterFake, sample, signInAs } from '../../test/exporterFake';
import { jobFixture } from '../../test/fixtures/jobs';
import { renderPage } from '../../test/render';
import { Bloat } from './Bloat';

const q = bloatQueries('main');
const orders = { target: 'main', datname: 'shop', schema: 'public', table: 'orders' };
const notes = { target: 'main', datname: 'shop', schema: 'public', table: 'notes' };

function bloatedShop(fake: ExporterFake, deadOrders: number) {
  fake
    .prom(q.size, [sample(orders, 400 * 1024 ** 2), sample(notes, 2 * 1024 ** 2)])
    .prom(q.bloatBytes, [sample(orders, 300 * 1024 ** 2), sample(notes, 10_000)])
    .prom(q.bloatRatio, [sample(orders, 0.82), sample(notes, 0.6)])
    .prom(q.deadTuples, [sample(orders, deadOrders), sample(notes, 0)])
    .prom(q.lastVacuum, [sample({ ...orders, mode: 'auto' }, Date.now() / 1000 - 3600)])
    .prom(q.xidAge, [sample({ target: 'main', datname: 'shop' }, 600_000_000)])
    .prom(q.invalidIndexes, [sample({ target: 'main', datname: 'shop' }, 1)])
    .prom(q.refreshedAt, [sample({ target: 'main', collector: 'pg_bloat' }, Date.now() / 1000 - 60)]);
}

describe('Bloat & vacuum page', () => {
  it('lists tables worst first, coloured by the alert thresholds, with the database’s XID age', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    bloatedShop(fake, 2_000_000);
    renderPage(<Bloat />, '/bloat?target=main');

    const table = await screen.findByTestId('bloat-table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('public.orders');
    expect(rows[1]).toHaveTextContent('public.notes');
    // 82 % of a table with 300 MiB of bloat: critical; 60 % of 10 kB stays ok, as the alert judges only tables with enough bloat.
    expect(
      within(rows[0]!)
        .getByText(/300 MiB \(82 %\)/)
        .closest('[data-severity]')
    ).toHaveAttribute('data-severity', 'critical');
    expect(within(rows[1]!).getByText(/60 %/).closest('[data-severity]')).toHaveAttribute('data-severity', 'ok');
    expect(
      within(screen.getByTestId('dead-tuples-shop-public.orders')).getByText('2,000,000').closest('[data-severity]')
    ).toHaveAttribute('data-severity', 'warning');
    expect(screen.getByText('600,000,000').closest('[data-severity]')).toHaveAttribute('data-severity', 'warning');
    expect(screen.getByText(/Estimates taken 1 m \d\d s ago/)).toBeInTheDocument();
  });

  it('vacuums a table from its row, then reads the metrics again', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    bloatedShop(fake, 16_000);
    const job = jobFixture({ params: { database: 'shop', table: 'public.orders' } });
    fake.on('POST', 'operator/jobs', () => ({ job, created: true }));
    fake.on('GET', `api/jobs/${job.id}`, () => {
      bloatedShop(fake, 0);
      return {
        job: {
          ...job,
          status: 'succeeded',
          finishedAt: '2026-12-07T03:00:05.000Z',
          progress: { phase: 'done', percent: 100 },
          result: { dryRun: false },
        },
      };
    });
    renderPage(<Bloat />, '/bloat?target=main');
    const row = (await screen.findByTestId('dead-tuples-shop-public.orders')).closest('tr')!;
    await waitFor(() => expect(within(row).getByRole('button', { name: 'Vacuum main' })).toBeEnabled());
    fireEvent.click(within(row).getByRole('button', { name: 'Vacuum main' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: /run vacuum/i }));
    await waitFor(
      () => expect(within(dialog).getByTestId('job-progress')).toHaveAttribute('data-status', 'succeeded'),
      { timeout: 5000 }
    );
    expect(fake.requestsTo('operator/jobs', 'POST')[0]?.data).toMatchObject({
      action: 'vacuum',
      target: 'main',
      params: { database: 'shop', table: 'public.orders' },
    });
    fireEvent.click(within(dialog).getByText('Close').closest('button')!);
    await waitFor(() =>
      expect(within(screen.getByTestId('dead-tuples-shop-public.orders')).getByText('0')).toBeInTheDocument()
    );
  });

  it('opens the dialog a deep link asks for, on the linked table, and forgets the link when closed', async () => {
    signInAs('Editor');
    bloatedShop(new ExporterFake().install(), 16_000);
    renderPage(<Bloat />, '/bloat?target=main&database=shop&table=public.orders&action=analyze');
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(/analyze on main/i);
    expect(within(dialog).getByTestId('action-summary')).toHaveTextContent('public.orders');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent('/bloat?target=main&database=shop&table=public.orders')
    );
    expect(screen.getByTestId('location')).not.toHaveTextContent('action=');
  });

  it('offers a linked action no row holds (an invalid index to rebuild) above the table, dialog open', async () => {
    signInAs('Editor');
    bloatedShop(new ExporterFake().install(), 16_000);
    renderPage(<Bloat />, '/bloat?target=main&database=shop&index=public.orders_pkey_ccnew&action=reindex');
    expect(await screen.findByTestId('linked-action')).toHaveTextContent('index public.orders_pkey_ccnew');
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('action-summary')).toHaveTextContent('public.orders_pkey_ccnew');
    expect(within(dialog).getByTestId('action-summary')).not.toHaveTextContent('table');
  });

  it('picks the first PostgreSQL target when none is given, and says when nothing is reported', async () => {
    signInAs('Viewer');
    new ExporterFake().install();
    renderPage(<Bloat />, '/bloat');
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/bloat?target=main'));
    expect(await screen.findByText('No tables reported')).toBeInTheDocument();
  });
});
