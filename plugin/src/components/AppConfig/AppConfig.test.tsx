import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { PluginType, type AppPluginMeta } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import type { AppSettings } from '../../settings';
import { ExporterFake } from '../../test/exporterFake';
import AppConfig, { normalizeExporterUrl } from './AppConfig';

function meta(overrides: Partial<AppPluginMeta<AppSettings>> = {}): AppPluginMeta<AppSettings> {
  return {
    id: 'upkeep-maintenance-app',
    name: 'Upkeep',
    type: PluginType.app,
    enabled: true,
    pinned: true,
    jsonData: { exporterUrl: 'http://upkeep:9854', prometheusDatasourceUid: 'prom-test' },
    secureJsonFields: { exporterToken: true },
    info: {} as AppPluginMeta['info'],
    module: '',
    baseUrl: '',
    ...overrides,
  } as AppPluginMeta<AppSettings>;
}

const plugin = (m: AppPluginMeta<AppSettings>) => ({ meta: m }) as unknown as React.ComponentProps<typeof AppConfig>['plugin'];

beforeAll(() => {
  const prometheus = { uid: 'prom-test', name: 'Prometheus', type: 'prometheus', meta: { id: 'prometheus', name: 'Prometheus', info: { logos: {} } } };
  setDataSourceSrv({
    getList: () => [prometheus],
    getInstanceSettings: (ref: unknown) => (ref === 'prom-test' || (ref as { uid?: string })?.uid === 'prom-test' ? prometheus : undefined),
    get: () => Promise.resolve(prometheus),
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv);
  Object.defineProperty(window, 'location', { value: { ...window.location, reload: jest.fn() }, writable: true });
});

describe('App configuration', () => {
  it('saves the URL without a trailing slash, and never sends the stored token unless it was changed', async () => {
    const fake = new ExporterFake().install();
    fake.on('POST', /^\/api\/plugins\/upkeep-maintenance-app\/settings$/, () => ({}));
    render(<AppConfig plugin={plugin(meta())} query={{}} />);
    expect(screen.getByDisplayValue('configured')).toBeDisabled();
    fireEvent.change(screen.getByPlaceholderText('http://upkeep:9854'), { target: { value: 'http://exporter.internal:9854/' } });
    fireEvent.click(screen.getByRole('button', { name: /save settings/i }));
    await waitFor(() => expect(fake.requestsTo(/settings$/, 'POST')).toHaveLength(1));
    const body = fake.requestsTo(/settings$/, 'POST')[0]?.data as Record<string, unknown>;
    expect(body).toMatchObject({ enabled: true, jsonData: { exporterUrl: 'http://exporter.internal:9854', prometheusDatasourceUid: 'prom-test' } });
    expect(body).not.toHaveProperty('secureJsonData');
  });

  it('sends a new token when one is typed after a reset', async () => {
    const fake = new ExporterFake().install();
    fake.on('POST', /^\/api\/plugins\/upkeep-maintenance-app\/settings$/, () => ({}));
    render(<AppConfig plugin={plugin(meta())} query={{}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    fireEvent.change(screen.getByPlaceholderText('Token'), { target: { value: 'a-new-token-0123456789' } });
    fireEvent.click(screen.getByRole('button', { name: /save settings/i }));
    await waitFor(() => expect(fake.requestsTo(/settings$/, 'POST')).toHaveLength(1));
    expect(fake.requestsTo(/settings$/, 'POST')[0]?.data).toMatchObject({ secureJsonData: { exporterToken: 'a-new-token-0123456789' } });
  });

  it('tests the connection through the proxy and shows each target, the token’s role and the jobs’ state', async () => {
    const fake = new ExporterFake({ tokenRole: 'admin' }).install();
    fake.on('GET', 'readyz', () => ({
      status: 'ready',
      targets: [
        { kind: 'postgres', name: 'main', up: true, latencyMs: 3 },
        { kind: 'redis', name: 'cache', up: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' },
      ],
      api: { readOnly: false, jobs: { state: 'ready' } },
    }));
    render(<AppConfig plugin={plugin(meta())} query={{}} />);
    fireEvent.click(screen.getByRole('button', { name: /test connection/i }));
    const report = await screen.findByTestId('connection-report');
    expect(report).toHaveTextContent('main (postgres) 3 ms');
    expect(report).toHaveTextContent('cache (redis) connect ECONNREFUSED');
    expect(report).toHaveTextContent('with role admin');
    expect(report).toHaveTextContent('Jobs and the audit log: ready');
  });

  it('refuses a URL that is not http(s)', () => {
    expect(normalizeExporterUrl('ftp://x')).toBeUndefined();
    expect(normalizeExporterUrl('upkeep:9854')).toBeUndefined();
    expect(normalizeExporterUrl(' https://upkeep.example.com/ ')).toBe('https://upkeep.example.com');
    render(<AppConfig plugin={plugin(meta({ jsonData: {} }))} query={{}} />);
    fireEvent.change(screen.getByPlaceholderText('http://upkeep:9854'), { target: { value: 'upkeep:9854' } });
    expect(screen.getByText('An http:// or https:// URL')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /save settings/i })).toBeDisabled();
  });
});
