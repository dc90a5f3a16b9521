import React from 'react';
import { render, screen } from '@testing-library/react';
import { PluginType, type AppRootProps } from '@grafana/data';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { ExporterFake, signInAs } from '../../test/exporterFake';
import App from './App';

const props = {
  basename: '/a/upkeep-maintenance-app',
  meta: { id: 'upkeep-maintenance-app', name: 'Upkeep', type: PluginType.app, enabled: true, jsonData: {} },
  query: {},
  path: '',
  onNavChanged: jest.fn(),
} as unknown as AppRootProps;

describe('App', () => {
  beforeEach(() => {
    signInAs('Viewer');
    new ExporterFake().install();
  });

  it.each([
    ['jobs', 'Running now'],
    ['bloat', 'Target'],
    ['nowhere', 'The app is not configured'],
  ])('routes %s to its page', async (url, text) => {
    render(
      // Mounted as Grafana mounts an app: below /a/<app id>/.
      <MemoryRouter initialEntries={[`/a/upkeep-maintenance-app/${url}`]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route path="/a/upkeep-maintenance-app/*" element={<App {...props} />} />
        </Routes>
      </MemoryRouter>,
    );
    expect(await screen.findByText(text, {}, { timeout: 5000 })).toBeInTheDocument();
  });
});
