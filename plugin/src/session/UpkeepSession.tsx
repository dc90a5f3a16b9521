/**
 * What every page and button needs to know once: the app's settings, the
 * user's Grafana role, what the exporter takes Grafana's token for (whoami)
 * and the action catalog. Loaded once per app mount, refreshed every minute.
 * Its provider also holds the action dialogs (ActionDialogHost), above every
 * page, so a dialog outlives the table row whose button opened it.
 */
import React, { createContext, useContext, useMemo, type ReactNode } from 'react';
import { exporterClient } from '../api/exporterClient';
import type { ActionCatalog, ActionDescription, Whoami } from '../api/exporterTypes';
import { errorText } from '../api/requestErrors';
import { useLoader } from '../hooks/useLoader';
import type { GrafanaOrgRole } from '../permissions/actionPermission';
import type { AppSettings } from '../settings';
import { ActionDialogHost } from '../components/ActionButton/ActionDialogHost';
import { currentGrafanaRole } from './grafanaUser';

export interface UpkeepSession {
  settings: AppSettings;
  /** An exporter URL is set: the proxy routes have somewhere to go. */
  configured: boolean;
  grafanaRole: GrafanaOrgRole;
  whoami: Whoami | undefined;
  /** Why whoami or the catalog could not be read. */
  problem: string | undefined;
  catalog: ActionCatalog | undefined;
  loading: boolean;
  action(name: string): ActionDescription | undefined;
  reload(): void;
}

const SessionContext = createContext<UpkeepSession | undefined>(undefined);

const REFRESH_MS = 60_000;

export function UpkeepSessionProvider({ settings, children }: { settings: AppSettings; children: ReactNode }) {
  const configured = Boolean(settings.exporterUrl);
  const loaded = useLoader(
    async () => {
      if (!configured) {
        return undefined;
      }
      const [whoami, catalog] = await Promise.all([exporterClient.whoami(), exporterClient.actions()]);
      return { whoami, catalog };
    },
    settings.exporterUrl ?? '',
    REFRESH_MS,
  );
  const session = useMemo<UpkeepSession>(() => {
    const catalog = loaded.data?.catalog;
    return {
      settings,
      configured,
      grafanaRole: currentGrafanaRole(),
      whoami: loaded.data?.whoami,
      problem: loaded.error ? errorText(loaded.error) : undefined,
      catalog,
      loading: configured && loaded.loading,
      action: (name) => catalog?.actions.find((a) => a.name === name),
      reload: loaded.reload,
    };
  }, [settings, configured, loaded.data, loaded.error, loaded.loading, loaded.reload]);
  return (
    <SessionContext.Provider value={session}>
      <ActionDialogHost>{children}</ActionDialogHost>
    </SessionContext.Provider>
  );
}

export function useUpkeepSession(): UpkeepSession {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error('useUpkeepSession outside UpkeepSessionProvider');
  }
  return session;
}
