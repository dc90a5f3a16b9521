import React from 'react';
import { screen, within } from '@testing-library/react';
import { certificateQueries as q } from '../../metrics/queries';
import { ExporterFake, sample, signInAs } from '../../test/exporterFake';
import { renderPage } from '../../test/render';
import { Certificates } from './Certificates';

function estate(fake: ExporterFake) {
  const leaf = {
    target: 'web',
    source: 'endpoint',
    path: '',
    position: '0',
    subject_cn: 'shop.example.com',
    issuer_cn: 'Example CA',
    serial: '01',
  };
  const ca = { ...leaf, position: '1', subject_cn: 'Example CA', issuer_cn: 'Example Root', serial: '02' };
  const disk = { target: 'main', path: '/var/lib/postgresql/15/main', mountpoint: '/var/lib/postgresql', role: 'data' };
  fake
    .prom(q.certSecondsLeft, [
      sample(leaf, 10 * 86_400),
      sample(ca, 400 * 86_400),
      sample({ ...leaf, target: 'old', subject_cn: 'old.example.com', serial: '03' }, -3600),
    ])
    .prom(q.verified, [sample({ target: 'web', source: 'endpoint' }, 1)])
    .prom(q.hostnameMatch, [sample({ target: 'web', source: 'endpoint' }, 0)])
    .prom(q.probeError, [sample({ target: 'down', source: 'endpoint', reason: 'refused' }, 1)])
    .prom(q.diskSize, [sample(disk, 100 * 1024 ** 3)])
    .prom(q.diskAvail, [sample(disk, 3 * 1024 ** 3)])
    .prom(q.diskFiles, [sample(disk, 1000)])
    .prom(q.diskFilesFree, [sample(disk, 500)])
    .prom(q.diskReadonly, [sample(disk, 0)]);
}

describe('Certificates & disks page', () => {
  it('lists certificates nearest expiry first, with chain problems, and disks fullest first', async () => {
    signInAs('Viewer');
    estate(new ExporterFake().install());
    renderPage(<Certificates />, '/certificates');
    const expired = await screen.findByText('expired 1 h 00 m ago');
    expect(expired.closest('[data-severity]')).toHaveAttribute('data-severity', 'critical');
    const leafRow = screen.getByText('shop.example.com').closest('tr')!;
    // 10 days: warning (21 d), and the host name does not match.
    expect(within(leafRow).getByText('in 10 d 0 h').closest('[data-severity]')).toHaveAttribute(
      'data-severity',
      'warning'
    );
    expect(within(leafRow).getByText('host name mismatch')).toBeInTheDocument();
    expect(screen.getByText('refused')).toBeInTheDocument();
    const used = screen.getByText('97 % of 100 GiB');
    expect(used.closest('[data-severity]')).toHaveAttribute('data-severity', 'critical');
  });

  it('shows one target only when the link names it', async () => {
    signInAs('Viewer');
    estate(new ExporterFake().install());
    renderPage(<Certificates />, '/certificates?target=web');
    expect(await screen.findByText('shop.example.com')).toBeInTheDocument();
    expect(screen.queryByText(/expired/)).toBeNull();
    expect(screen.getByText('No filesystems reported')).toBeInTheDocument();
  });
});
