import React from 'react';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { PanelProps } from '@grafana/data';
import { MemoryRouter } from 'react-router-dom';
import { ExporterFake, signInAs } from '../../test/exporterFake';
import { jobFixture } from '../../test/fixtures/jobs';
import { ActionPanel } from './ActionPanel';
import { panelParams } from './panelParams';
import type { ActionPanelOptions } from './types';

const variables: Record<string, string> = { $target: 'main', $table: 'public.orders', $pid: '4242' };
const replaceVariables = (text: string) => text.replace(/\$\w+/g, (name) => variables[name] ?? name);

function renderPanel(options: Partial<ActionPanelOptions>) {
  const props = {
    options: { action: 'vacuum', target: '$target', params: '{}', label: '', ...options },
    replaceVariables,
    width: 300,
    height: 120,
  } as unknown as PanelProps<ActionPanelOptions>;
  // Grafana renders dashboards inside its router; links in the panel need one.
  return render(
    <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <ActionPanel {...props} />
    </MemoryRouter>,
  );
}

describe('Upkeep action panel', () => {
  it('puts the configured action on the dashboard with variables filled in, and runs it through the same flow', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    fake.on('GET', /^\/api\/plugins\/upkeep-maintenance-app\/settings$/, () => ({ jsonData: { exporterUrl: 'http://upkeep:9854' } }));
    const job = jobFixture({ status: 'succeeded', finishedAt: '2026-12-07T03:00:01.000Z', result: { dryRun: false } });
    fake.on('POST', 'operator/jobs', () => ({ job, created: true }));
    renderPanel({ params: '{"database": "shop", "table": "$table"}', label: 'Vacuum orders' });
    expect(screen.getByText('vacuum on main (database=shop, table=public.orders)')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Vacuum orders main' })).toBeEnabled());
    fireEvent.click(screen.getByRole('button', { name: 'Vacuum orders main' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: /run vacuum/i }));
    await waitFor(() => expect(within(dialog).getByTestId('job-progress')).toHaveAttribute('data-status', 'succeeded'));
    expect(fake.requestsTo('operator/jobs', 'POST')[0]?.data).toMatchObject({ action: 'vacuum', target: 'main', params: { database: 'shop', table: 'public.orders' } });
  });

  it('explains a panel set up wrong instead of showing a button that cannot work', () => {
    new ExporterFake().install();
    renderPanel({ params: '{"table": ' });
    expect(screen.getByText(/params are not valid JSON/)).toBeInTheDocument();
  });

  it('turns a variable holding a number into a number, and leaves quotes in values harmless', () => {
    expect(panelParams('{"pid": "$pid", "queryStart": "$start"}', (t) => t.replace('$pid', '4242').replace('$start', '2026-12-07T03:00:00.123Z'))).toEqual({
      ok: true,
      params: { pid: 4242, queryStart: '2026-12-07T03:00:00.123Z' },
    });
    expect(panelParams('{"table": "$table"}', () => 'public."odd name"')).toEqual({ ok: true, params: { table: 'public."odd name"' } });
    expect(panelParams('[1]', (t) => t)).toMatchObject({ ok: false });
  });
});
