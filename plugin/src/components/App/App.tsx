/** The app's root: the session every page shares, and one route per page (react-router, relative to /a/<app id>). */
import React, { lazy, Suspense } from 'react';
import type { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { Navigate, Route, Routes } from 'react-router-dom';
import { PLUGIN_BASE_URL, ROUTES } from '../../constants';
import { UpkeepSessionProvider } from '../../session/UpkeepSession';
import type { AppSettings } from '../../settings';

const Overview = lazy(() => import('../../pages/Overview/Overview'));
const Backups = lazy(() => import('../../pages/Backups/Backups'));
const Replication = lazy(() => import('../../pages/Replication/Replication'));
const Queries = lazy(() => import('../../pages/Queries/Queries'));
const Bloat = lazy(() => import('../../pages/Bloat/Bloat'));
const Certificates = lazy(() => import('../../pages/Certificates/Certificates'));
const Jobs = lazy(() => import('../../pages/Jobs/Jobs'));

function App(props: AppRootProps<AppSettings>) {
  return (
    <UpkeepSessionProvider settings={props.meta.jsonData ?? {}}>
      <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
        <Routes>
          <Route path={ROUTES.Overview} element={<Overview />} />
          <Route path={ROUTES.Backups} element={<Backups />} />
          <Route path={ROUTES.Replication} element={<Replication />} />
          <Route path={ROUTES.Queries} element={<Queries />} />
          <Route path={ROUTES.Bloat} element={<Bloat />} />
          <Route path={ROUTES.Certificates} element={<Certificates />} />
          <Route path={ROUTES.Jobs} element={<Jobs />} />
          {/* Absolute: a relative path from a splat route resolves differently across react-router's future flags. */}
          <Route path="*" element={<Navigate to={`${PLUGIN_BASE_URL}/${ROUTES.Overview}`} replace />} />
        </Routes>
      </Suspense>
    </UpkeepSessionProvider>
  );
}

export default App;
