/**
 * Grafana's provisioning files (no Grafana runs here): data sources with the
 * fixed uids the rules and the app name, the app enabled with its settings
 * from the environment, a contact point the notification policy routes to,
 * and a dashboard provider for Grafanas without the app.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROMETHEUS_DATASOURCE_UID } from '../../alerts/src/grafanaRules.js';
import { APP_ID } from '../../dashboards/src/appLinks.js';
import { REPO_ROOT } from '../harness/cli.js';

async function provisioning<T>(path: string): Promise<T> {
  return parse(await readFile(join(REPO_ROOT, 'provisioning/grafana', path), 'utf8')) as T;
}

interface Datasources {
  apiVersion: number;
  datasources: { name: string; type: string; uid: string; url: string; jsonData?: Record<string, unknown> }[];
}

interface Apps {
  apiVersion: number;
  apps: { type: string; org_id: number; disabled: boolean; jsonData: Record<string, string>; secureJsonData: Record<string, string> }[];
}

interface Notifications {
  apiVersion: number;
  contactPoints: { name: string; receivers: { uid: string; type: string; settings: Record<string, string> }[] }[];
  policies: { receiver: string; group_by: string[]; routes?: { receiver: string }[] }[];
}

describe('Grafana provisioning', () => {
  it('provisions Prometheus under the uid the rules and the app use, and Alertmanager beside it', async () => {
    const { apiVersion, datasources } = await provisioning<Datasources>('datasources/upkeep.yaml');
    expect(apiVersion).toBe(1);
    expect(datasources.find((d) => d.type === 'prometheus')).toMatchObject({ uid: PROMETHEUS_DATASOURCE_UID, url: 'http://prometheus:9090' });
    expect(datasources.find((d) => d.type === 'alertmanager')).toMatchObject({ uid: 'upkeep-alertmanager', url: 'http://alertmanager:9093', jsonData: { implementation: 'prometheus' } });
  });

  it('enables the app with the exporter URL, the Prometheus uid and the token from the environment', async () => {
    const { apps } = await provisioning<Apps>('plugins/upkeep-maintenance-app.yaml');
    expect(apps).toEqual([
      {
        type: APP_ID,
        org_id: 1,
        disabled: false,
        jsonData: { exporterUrl: '$UPKEEP_EXPORTER_URL', prometheusDatasourceUid: PROMETHEUS_DATASOURCE_UID },
        secureJsonData: { exporterToken: '$UPKEEP_GRAFANA_TOKEN' },
      },
    ]);
  });

  it('routes Grafana-managed alerts to a contact point that exists, one notification per alert and target', async () => {
    const { contactPoints, policies } = await provisioning<Notifications>('alerting/notifications.yaml');
    const names = contactPoints.map((c) => c.name);
    for (const policy of policies) {
      expect(names).toContain(policy.receiver);
      for (const route of policy.routes ?? []) expect(names).toContain(route.receiver);
      // Grafana names alerts after their titles ("BackupTooOld warning"); upkeep_alert is the alert.
      expect(policy.group_by).toEqual(['upkeep_alert', 'target']);
    }
    for (const receiver of contactPoints.flatMap((c) => c.receivers)) {
      expect(receiver.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
      expect(receiver.settings.url).toBe('$UPKEEP_ALERT_WEBHOOK_URL');
    }
  });

  it('offers a file provider for the dashboards, for a Grafana without the app', async () => {
    const { providers } = await provisioning<{ providers: { type: string; folder: string; options: { path: string } }[] }>('dashboards/upkeep.yaml');
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', folder: 'Upkeep' });
  });
});
