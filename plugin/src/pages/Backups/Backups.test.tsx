import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { DumpListing } from '../../api/exporterTypes';
import { backupQueries } from '../../metrics/queries';
import { ExporterFake, sample, signInAs } from '../../test/exporterFake';
import { HttpFailure } from '../../test/fakeBackend';
import { jobFixture } from '../../test/fixtures/jobs';
import { renderPage } from '../../test/render';
import { Backups } from './Backups';

const q = backupQueries('main');
const t = (extra: Record<string, string>) => ({ target: 'main', ...extra });
const hoursAgo = (h: number) => Date.now() / 1000 - h * 3600;

const LISTING: DumpListing = {
  source: { name: 'nightly', path: '/var/backups/postgres' },
  dumps: [
    {
      file: 'main-shop-20261207T020000Z.dump',
      database: 'shop',
      sizeBytes: 5 * 1024 ** 2,
      dumpFormat: 'custom',
      startedAt: '2026-12-07T02:00:00.000Z',
      finishedAt: '2026-12-07T02:00:09.000Z',
      serverVersion: '15.20',
      sha256: 'a'.repeat(64),
      lastVerification: { verifiedAt: '2026-12-07T02:30:00.000Z', ok: true, method: 'sha256+pg_restore-list' },
      counted: true,
      problem: null,
    },
    {
      file: 'main-shop-20261206T020000Z.dump',
      database: 'shop',
      sizeBytes: 5 * 1024 ** 2,
      dumpFormat: 'custom',
      startedAt: '2026-12-06T02:00:00.000Z',
      finishedAt: '2026-12-06T02:00:08.000Z',
      serverVersion: '15.20',
      sha256: 'b'.repeat(64),
      lastVerification: { verifiedAt: '2026-12-06T02:30:00.000Z', ok: false, detail: 'sha256 differs' },
      counted: false,
      problem: { reason: 'verification_failed', message: 'its latest verification failed: sha256 differs' },
    },
  ],
  orphanManifests: [],
  ignored: { partial: 1, no_manifest: 0, invalid_manifest: 0, other_target: 0 },
};

function sources(fake: ExporterFake) {
  fake
    .prom(q.sourceUp, [sample(t({ source: 'nightly' }), 1), sample(t({ source: 'repo1' }), 0)])
    .prom(q.sourceInfo, [
      sample(t({ source: 'nightly', source_kind: 'dump-dir' }), 1),
      sample(t({ source: 'repo1', source_kind: 'pgbackrest' }), 1),
    ])
    .prom(q.sourceError, [sample(t({ source: 'repo1', reason: 'timeout' }), 1)])
    .prom(q.lastSuccess, [sample(t({ source: 'nightly', backup_kind: 'dump' }), hoursAgo(30))])
    .prom(q.lastSize, [sample(t({ source: 'nightly', backup_kind: 'dump' }), 5 * 1024 ** 2)])
    .prom(q.count, [sample(t({ source: 'nightly' }), 1)])
    .prom(q.rejected, [sample(t({ source: 'nightly', reason: 'verification_failed' }), 1)])
    .prom(q.lastVerified, [sample(t({ source: 'nightly' }), hoursAgo(1))]);
  fake.on('GET', 'api/targets/main/backups', () => LISTING);
}

describe('Backups page', () => {
  it('shows each source’s newest backup and problems, and the dump directory with verifications', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    sources(fake);
    renderPage(<Backups />, '/backups?target=main');
    // 30 h: past the 26 h warning line.
    expect((await screen.findByText(/^1 d 6 h ago$/)).closest('[data-severity]')).toHaveAttribute(
      'data-severity',
      'warning'
    );
    expect(screen.getByText('down: timeout').closest('[data-severity]')).toHaveAttribute('data-severity', 'critical');
    expect(screen.getByText('verification_failed: 1')).toBeInTheDocument();
    expect(await screen.findByText('main-shop-20261207T020000Z.dump')).toBeInTheDocument();
    expect(screen.getByText(/^failed 2026-12-06 02:30:00 UTC$/).closest('[data-severity]')).toHaveAttribute(
      'data-severity',
      'critical'
    );
    expect(screen.getByText(/1 partial/)).toBeInTheDocument();
  });

  it('prunes with the retention typed in, and previews what would go before deleting', async () => {
    signInAs('Admin');
    const fake = new ExporterFake().install();
    sources(fake);
    const job = jobFixture({
      action: 'prune-backups',
      dryRun: true,
      status: 'succeeded',
      finishedAt: '2026-12-07T03:00:01.000Z',
      result: {
        dryRun: true,
        deleted: [{ file: 'main-shop-20261206T020000Z.dump', sizeBytes: 5242880 }],
        freedBytes: 5242880,
        kept: 1,
      },
    });
    fake.on('POST', 'admin/jobs', () => ({ job, created: true }));
    renderPage(<Backups />, '/backups?target=main');
    fireEvent.change(await screen.findByLabelText('Keep the newest'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Keep younger than days'), { target: { value: '14' } });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Prune… main' })).toBeEnabled());
    fireEvent.click(screen.getByRole('button', { name: 'Prune… main' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: /preview/i }));
    expect(await within(dialog).findByText('main-shop-20261206T020000Z.dump')).toBeInTheDocument();
    expect(within(dialog).getByText('5.00 MiB', { selector: 'dd' })).toBeInTheDocument();
    expect(fake.requestsTo('admin/jobs', 'POST')[0]?.data).toMatchObject({
      action: 'prune-backups',
      params: { keepLast: 3, maxAgeDays: 14 },
      dryRun: true,
    });
    // Destructive: the real run waits for the target's name.
    expect(within(dialog).getByRole('button', { name: /run prune/i })).toBeDisabled();
  });

  it('shows a Redis target’s persistence with BGSAVE, opened by a runbook’s link', async () => {
    signInAs('Editor');
    new ExporterFake()
      .install()
      .prom('upkeep_redis_rdb_last_save_timestamp_seconds{target="cache"}', [sample({ target: 'cache' }, hoursAgo(30))])
      .prom('time() - upkeep_redis_rdb_last_save_timestamp_seconds{target="cache"}', [
        sample({ target: 'cache' }, 30 * 3600),
      ])
      .prom('upkeep_redis_rdb_last_bgsave_success{target="cache"}', [sample({ target: 'cache' }, 1)])
      .prom('upkeep_redis_rdb_changes_since_last_save{target="cache"}', [sample({ target: 'cache' }, 42)])
      .prom('upkeep_redis_aof_enabled{target="cache"}', [sample({ target: 'cache' }, 0)]);
    renderPage(<Backups />, '/backups?target=cache&action=redis-bgsave');
    const section = await screen.findByTestId('redis-persistence');
    // 30 h without a save, 42 changes since, no AOF: past the 24 h critical line of RedisPersistenceStale.
    const lastSave = await within(section).findByText('last RDB save 1 d 6 h ago');
    expect(lastSave.closest('[data-severity]')).toHaveAttribute('data-severity', 'critical');
    expect(await screen.findByRole('dialog')).toHaveTextContent(/BGSAVE|bgsave/);
    expect(screen.queryByText('Dump directory')).toBeNull();
  });

  it('keeps a row’s Verify dialog open while the page re-renders around it', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    sources(fake);
    renderPage(<Backups />, '/backups?target=main');
    const row = (await screen.findByText('main-shop-20261207T020000Z.dump')).closest('tr')!;
    await waitFor(() => expect(within(row).getByRole('button', { name: 'Verify main' })).toBeEnabled());
    fireEvent.click(within(row).getByRole('button', { name: 'Verify main' }));
    expect(await screen.findByRole('dialog')).toHaveTextContent('main-shop-20261207T020000Z.dump');
    fireEvent.change(screen.getByLabelText('Keep the newest'), { target: { value: '4' } });
    fireEvent.change(screen.getByLabelText('Keep the newest'), { target: { value: '5' } });
    expect(screen.getByRole('dialog')).toHaveTextContent('main-shop-20261207T020000Z.dump');
  });

  it('says so when the target has no dump directory for the actions', async () => {
    signInAs('Editor');
    const fake = new ExporterFake().install();
    fake.on(
      'GET',
      'api/targets/main/backups',
      () =>
        new HttpFailure(422, {
          error: { code: 'no_dump_dir_source', message: 'target main has no backup source of kind dump-dir' },
        })
    );
    renderPage(<Backups />, '/backups?target=main');
    expect(await screen.findByText('No dump directory')).toBeInTheDocument();
    expect(screen.getByText('No backup sources')).toBeInTheDocument();
  });
});
