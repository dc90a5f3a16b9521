/** Renders app pages as Grafana mounts them: a router at the page's URL and the app's session. */
import React, { type ReactElement } from 'react';
import { render, type RenderResult } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { UpkeepSessionProvider } from '../session/UpkeepSession';
import type { AppSettings } from '../settings';
import { DATASOURCE_UID } from './exporterFake';

export const SETTINGS: AppSettings = { exporterUrl: 'http://upkeep:9854', prometheusDatasourceUid: DATASOURCE_UID };

/** Shows the router's current location, so tests can see what a page wrote into the URL. */
function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{`${location.pathname}${location.search}`}</output>;
}

export function renderPage(page: ReactElement, url = '/', settings: AppSettings = SETTINGS): RenderResult {
  const path = url.split('?')[0] ?? '/';
  return render(
    <MemoryRouter initialEntries={[url]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <UpkeepSessionProvider settings={settings}>
        <Routes>
          <Route path={path} element={page} />
        </Routes>
        <LocationProbe />
      </UpkeepSessionProvider>
    </MemoryRouter>,
  );
}
