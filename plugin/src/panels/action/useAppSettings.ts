import { useEffect, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';
import { PLUGIN_ID } from '../../constants';
import type { AppSettings } from '../../settings';

/**
 * The app's settings, for the panel (which Grafana does not hand them to).
 * Until they are read, or if they cannot be, the exporter URL is assumed
 * set: the proxy's answer then says what is wrong.
 */
export function useAppSettings(): AppSettings {
  const [settings, setSettings] = useState<AppSettings>({ exporterUrl: 'configured' });
  useEffect(() => {
    let live = true;
    lastValueFrom(getBackendSrv().fetch<{ jsonData?: AppSettings }>({ url: `/api/plugins/${PLUGIN_ID}/settings`, showErrorAlert: false })).then(
      (response) => {
        if (live) {
          setSettings(response.data.jsonData ?? {});
        }
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return settings;
}
