import React from 'react';
import { screen, within } from '@testing-library/react';
import { replicationQueries } from '../../metrics/queries';
import { ExporterFake, sample, signInAs } from '../../test/exporterFake';
import { renderPage } from '../../test/render';
import { Replication } from './Replication';

describe('Replication page', () => {
  it('shows a primary’s standbys with their lag and its slots with the WAL they hold', async () => {
    signInAs('Viewer');
    const q = replicationQueries('main');
    const standby = {
      target: 'main',
      standby: 'replica1',
      client_addr: '10.0.0.2',
      state: 'streaming',
      sync_state: 'async',
    };
    new ExporterFake()
      .install()
      .prom(q.info, [sample({ target: 'main', role: 'primary', server_version: '15.20' }, 1)])
      .prom(q.standbys, [sample({ target: 'main' }, 1)])
      .prom(q.lagSeconds, [
        sample({ ...standby, kind: 'write' }, 0.5),
        sample({ ...standby, kind: 'flush' }, 0.7),
        sample({ ...standby, kind: 'replay' }, 400),
      ])
      .prom(q.lagBytes, [sample(standby, 2 * 1024 ** 3)])
      .prom(q.slotInfo, [
        sample({ target: 'main', slot: 'old_slot', slot_type: 'physical', database: '', wal_status: 'lost' }, 1),
      ])
      .prom(q.slotActive, [sample({ target: 'main', slot: 'old_slot' }, 0)])
      .prom(q.slotRetained, [sample({ target: 'main', slot: 'old_slot' }, 20 * 1024 ** 3)]);
    renderPage(<Replication />, '/replication?target=main');
    expect(await screen.findByText('This server is a primary.')).toBeInTheDocument();
    expect(screen.getByText('Standbys (1 streaming)')).toBeInTheDocument();
    const lag = screen.getByText(/^6 m 40 s · 2.00 GiB$/);
    expect(lag.closest('[data-severity]')).toHaveAttribute('data-severity', 'critical');
    const slotRow = screen.getByText('old_slot').closest('tr')!;
    expect(within(slotRow).getByText('lost').closest('[data-severity]')).toHaveAttribute('data-severity', 'critical');
    expect(within(slotRow).getByText('inactive')).toBeInTheDocument();
  });

  it('shows a standby’s receiver and replay backlog', async () => {
    signInAs('Viewer');
    const q = replicationQueries('replica');
    new ExporterFake()
      .install()
      .prom(q.info, [sample({ target: 'replica', role: 'standby' }, 1)])
      .prom(q.receiverUp, [sample({ target: 'replica' }, 0)])
      .prom(q.receiveBacklog, [sample({ target: 'replica' }, 512)]);
    renderPage(<Replication />, '/replication?target=replica');
    const side = await screen.findByTestId('standby-side');
    expect(within(side).getByText('not streaming').closest('[data-severity]')).toHaveAttribute(
      'data-severity',
      'critical'
    );
    expect(within(side).getByText('replay backlog 512 B')).toBeInTheDocument();
  });
});
