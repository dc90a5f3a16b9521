/**
 * The app's configuration page (Grafana admins): where the exporter is, the
 * token Grafana sends it (stored encrypted, sent only when changed, never
 * shown again), which Prometheus scrapes it, and a connection test through
 * the same proxy routes the pages use.
 */
import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, Text, useStyles2 } from '@grafana/ui';
import { exporterClient } from '../../api/exporterClient';
import type { Readiness, Whoami } from '../../api/exporterTypes';
import { errorText, toRequestError } from '../../api/requestErrors';
import type { AppSettings } from '../../settings';
import { SeverityCell } from '../SeverityCell';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

interface ConnectionReport {
  readiness?: Readiness;
  whoami?: Whoami;
  error?: string;
}

/** `http://host:9854/` → `http://host:9854`; undefined when it is no http(s) URL. */
export function normalizeExporterUrl(value: string): string | undefined {
  const trimmed = value.trim().replace(/\/+$/, '');
  try {
    const url = new URL(trimmed);
    return url.protocol === 'http:' || url.protocol === 'https:' ? trimmed : undefined;
  } catch {
    return undefined;
  }
}

export async function saveSettings(pluginId: string, data: Partial<PluginMeta<AppSettings>> & { secureJsonData?: Record<string, string> }): Promise<void> {
  try {
    await lastValueFrom(getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data, showErrorAlert: false }));
  } catch (err) {
    throw toRequestError(err, 'save the settings');
  }
}

export async function testConnection(): Promise<ConnectionReport> {
  try {
    const [readiness, whoami] = await Promise.all([exporterClient.readiness(), exporterClient.whoami()]);
    return { readiness, whoami };
  } catch (err) {
    return { error: errorText(err) };
  }
}

function AppConfig({ plugin }: AppConfigProps) {
  const styles = useStyles2(getStyles);
  const { id, enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [exporterUrl, setExporterUrl] = useState(jsonData?.exporterUrl ?? '');
  const [prometheusUid, setPrometheusUid] = useState(jsonData?.prometheusDatasourceUid);
  const [token, setToken] = useState('');
  const [tokenConfigured, setTokenConfigured] = useState(Boolean(secureJsonFields?.exporterToken));
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [testing, setTesting] = useState(false);
  const [report, setReport] = useState<ConnectionReport>();

  const normalized = normalizeExporterUrl(exporterUrl);
  const urlInvalid = exporterUrl.trim() !== '' && !normalized;
  const dirty = exporterUrl !== (jsonData?.exporterUrl ?? '') || prometheusUid !== jsonData?.prometheusDatasourceUid || token !== '' || tokenConfigured !== Boolean(secureJsonFields?.exporterToken);

  const onSave = async () => {
    if (!normalized) {
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      await saveSettings(id, {
        enabled: true,
        pinned: pinned ?? true,
        jsonData: { ...jsonData, exporterUrl: normalized, prometheusDatasourceUid: prometheusUid },
        // Sending the key at all overwrites the stored token: only when it was typed or reset.
        ...(token !== '' ? { secureJsonData: { exporterToken: token } } : !tokenConfigured && secureJsonFields?.exporterToken ? { secureJsonData: { exporterToken: '' } } : {}),
      });
      setSaved(true);
      // Grafana caches the plugin's settings in the page: reload to use the new ones everywhere.
      window.location.reload();
    } catch (err) {
      setSaveError(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const onTest = async () => {
    setTesting(true);
    setReport(await testConnection());
    setTesting(false);
  };

  return (
    <div className={styles.page}>
      {!enabled && (
        <Alert severity="info" title="The app is disabled">
          Saving the settings enables it: Grafana forwards requests to the exporter only for enabled apps.
        </Alert>
      )}
      <FieldSet label="Exporter">
        <Field label="Exporter URL" description="As Grafana’s server reaches it, e.g. http://upkeep:9854. Grafana proxies every request; browsers never talk to the exporter." invalid={urlInvalid} error={urlInvalid ? 'An http:// or https:// URL' : undefined}>
          <Input width={60} id="exporter-url" value={exporterUrl} placeholder="http://upkeep:9854" onChange={(e) => setExporterUrl(e.currentTarget.value)} />
        </Field>
        <Field
          label="Exporter token"
          description="A token from the exporter’s auth.tokens, with role admin: Grafana’s own roles then decide (Viewers read, Editors run operator actions, Admins admin ones). Stored encrypted; never sent to browsers."
        >
          <SecretInput
            width={60}
            id="exporter-token"
            isConfigured={tokenConfigured}
            value={token}
            placeholder="Token"
            onChange={(e) => setToken(e.currentTarget.value.trim())}
            onReset={() => {
              setToken('');
              setTokenConfigured(false);
            }}
          />
        </Field>
      </FieldSet>
      <FieldSet label="Metrics">
        <Field label="Prometheus data source" description="The Prometheus that scrapes the exporter: the pages read their metrics from it.">
          <DataSourcePicker width={60} type="prometheus" current={prometheusUid ?? null} noDefault onChange={(ds) => setPrometheusUid(ds.uid)} />
        </Field>
      </FieldSet>
      <Stack direction="row" gap={1}>
        <Button onClick={onSave} disabled={!normalized || saving || !dirty} icon={saving ? 'spinner' : 'save'}>
          {enabled ? 'Save settings' : 'Save and enable'}
        </Button>
        <Button variant="secondary" onClick={onTest} disabled={testing || !jsonData?.exporterUrl || dirty} icon={testing ? 'spinner' : 'bolt'} tooltip={dirty ? 'Save first: the test goes through the saved settings' : undefined}>
          Test connection
        </Button>
      </Stack>
      {saveError && <Alert severity="error" title="Not saved">{saveError}</Alert>}
      {saved && <Alert severity="success" title="Saved" />}
      {report && <ConnectionResult report={report} />}
    </div>
  );
}

function ConnectionResult({ report }: { report: ConnectionReport }) {
  if (report.error || !report.readiness) {
    return <Alert severity="error" title="The exporter cannot be reached through Grafana">{report.error}</Alert>;
  }
  const { readiness, whoami } = report;
  const jobs = readiness.api?.jobs;
  return (
    <Alert severity={readiness.targets.every((t) => t.up) ? 'success' : 'warning'} title={`Exporter ${readiness.status}`} data-testid="connection-report">
      <Stack direction="column" gap={1}>
        <Text>
          Grafana’s token is “{whoami?.tokenName ?? 'none'}” with role {whoami?.tokenRole ?? whoami?.role ?? '?'}
          {whoami?.readOnly ? ' — the exporter is read-only (no tokens configured): actions cannot run.' : '.'} Jobs and the audit log: {jobs?.state ?? 'unknown'}
          {jobs?.error ? ` (${jobs.error})` : ''}.
        </Text>
        <Stack direction="column" gap={0.5}>
          {readiness.targets.map((t) => (
            <Stack key={`${t.kind}/${t.name}`} direction="row" gap={1} alignItems="center">
              <SeverityCell severity={t.up ? 'ok' : 'critical'} text={t.up ? 'up' : 'down'} />
              <Text>
                {t.name} ({t.kind}) {t.up ? `${t.latencyMs ?? '?'} ms` : t.error}
              </Text>
            </Stack>
          ))}
        </Stack>
      </Stack>
    </Alert>
  );
}

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), maxWidth: 900 }),
});
