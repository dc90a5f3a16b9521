import React from 'react';
import { screen, within } from '@testing-library/react';
import { overviewQueries as q } from '../../metrics/queries';
import { ExporterFake, sample, signInAs } from '../../test/exporterFake';
import { renderPage } from '../../test/render';
import { Overview } from './Overview';
import { overviewRows } from './overviewRows';

const now = () => Date.now() / 1000;

function fleet(fake: ExporterFake) {
  fake
    .prom(q.up, [
      sample({ target: 'main', kind: 'postgres' }, 1),
      sample({ target: 'replica', kind: 'postgres' }, 1),
      sample({ target: 'cache', kind: 'redis' }, 0),
    ])
    // main's newest backup is 2 days old: past the 50 h critical line.
    .prom(q.backupAge, [sample({ target: 'main', source: 'nightly' }, 2 * 86_400 + 3 * 3600)])
    .prom(q.lagSeconds, [sample({ target: 'main', standby: 'replica' }, 45)])
    .prom(q.lagBytes, [sample({ target: 'main', standby: 'replica' }, 1024)])
    .prom(q.pgBlocksHit, [sample({ target: 'main' }, 990), sample({ target: 'replica' }, 5)])
    .prom(q.pgBlocksRead, [sample({ target: 'main' }, 10), sample({ target: 'replica' }, 5)])
    .prom(q.longestQuery, [sample({ target: 'main' }, 12), sample({ target: 'replica' }, 0)])
    .prom(q.certSecondsLeft, [sample({ target: 'web', source: 'endpoint' }, 5 * 86_400)])
    .prom(q.failingCollectors, [sample({ target: 'cache', collector: 'redis' }, 0)]);
}

describe('Overview', () => {
  it('puts the worst targets first and colours each cell by the alert thresholds, linking to its page', async () => {
    signInAs('Viewer');
    fleet(new ExporterFake().install());
    renderPage(<Overview />, '/overview');
    const table = await screen.findByTestId('overview-table');
    const rows = within(table).getAllByRole('row').slice(1);
    const order = rows.map((r) => within(r).getAllByRole('cell')[0]?.textContent);
    // critical (cache down, main's backup, web's certificate) before ok (replica)
    expect(order.slice(0, 3).sort()).toEqual(['cacheredis', 'mainpostgres', 'webtls_endpoint']);
    expect(order[3]).toBe('replicapostgres');

    const main = rows.find((r) => r.textContent?.startsWith('main'))!;
    const backup = within(main)
      .getByText(/^2 d 3 h$/)
      .closest('[data-severity]');
    expect(backup).toHaveAttribute('data-severity', 'critical');
    expect(backup?.closest('a')).toHaveAttribute('href', '/a/upkeep-maintenance-app/backups?target=main');
    expect(within(main).getByText(/^45 s/).closest('[data-severity]')).toHaveAttribute('data-severity', 'warning');
    expect(within(main).getByText('99.0 %').closest('[data-severity]')).toHaveAttribute('data-severity', 'ok');

    const web = rows.find((r) => r.textContent?.startsWith('web'))!;
    expect(within(web).getByText('5 d').closest('[data-severity]')).toHaveAttribute('data-severity', 'critical');
    const cache = rows.find((r) => r.textContent?.startsWith('cache'))!;
    expect(within(cache).getByText('down').closest('[data-severity]')).toHaveAttribute('data-severity', 'critical');
    expect(within(cache).getByText('1 failing').closest('[data-severity]')).toHaveAttribute(
      'data-severity',
      'critical'
    );
  });

  it('shows one target alone when a link names it', async () => {
    signInAs('Viewer');
    fleet(new ExporterFake().install());
    renderPage(<Overview />, '/overview?target=cache');
    const table = await screen.findByTestId('overview-table');
    expect(within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell')[0]?.textContent)).toEqual(['cacheredis']);
    expect(screen.getByText(/Showing target cache only/)).toBeInTheDocument();
  });

  it('says where the metrics failed instead of an empty table', async () => {
    signInAs('Viewer');
    new ExporterFake().install().promFails(q.up, 'bad_data: parse error');
    renderPage(<Overview />, '/overview');
    expect(await screen.findByText(/Prometheus refused upkeep_target_up: bad_data: parse error/)).toBeInTheDocument();
  });
});

describe('overview rows', () => {
  const empty = Object.fromEntries(Object.keys(q).map((k) => [k, []])) as unknown as Parameters<typeof overviewRows>[1];

  it('judges bloat only on tables with enough bloat, as the alert does, and links to the worst table', () => {
    const labels = (table: string) => ({ target: 'main', datname: 'shop', schema: 'public', table });
    const rows = overviewRows([{ kind: 'postgres', name: 'main', actions: [] }], {
      ...empty,
      bloatRatio: [sample(labels('small'), 0.95), sample(labels('big'), 0.6)],
      bloatBytes: [sample(labels('small'), 1000), sample(labels('big'), 200 * 1024 ** 2)],
    });
    expect(rows[0]?.cells.bloat).toMatchObject({
      severity: 'warning',
      text: '60 % public.big',
      href: '/a/upkeep-maintenance-app/bloat?target=main&database=shop&table=public.big',
    });
  });

  it('judges the cache hit ratio per database, as the alert does: a busy good database does not hide a bad one', () => {
    const db = (datname: string) => ({ target: 'main', datname });
    const rows = overviewRows([{ kind: 'postgres', name: 'main', actions: [] }], {
      ...empty,
      pgBlocksHit: [sample(db('orders'), 4995), sample(db('analytics'), 100), sample(db('quiet'), 1)],
      pgBlocksRead: [sample(db('orders'), 5), sample(db('analytics'), 100), sample(db('quiet'), 9)],
    });
    expect(rows[0]?.cells.cache).toMatchObject({ severity: 'critical', text: '50.0 %' });
    expect(rows[0]?.cells.cache.tooltip).toMatch(/in analytics/);
  });

  it('does not judge a cache ratio on too little traffic, and calls a backup that never happened never', () => {
    const rows = overviewRows([{ kind: 'postgres', name: 'main', actions: [] }], {
      ...empty,
      pgBlocksHit: [sample({ target: 'main' }, 1)],
      pgBlocksRead: [sample({ target: 'main' }, 9)],
      backupAge: [sample({ target: 'main', source: 'nightly' }, now())],
    });
    expect(rows[0]?.cells.cache).toMatchObject({ severity: 'ok', text: '10.0 %' });
    expect(rows[0]?.cells.cache.tooltip).toMatch(/Too little traffic/);
    expect(rows[0]?.cells.backup).toMatchObject({ severity: 'critical', text: 'never' });
  });
});
