/**
 * A small stand-in for Grafana's frontend, for the browser test: it loads
 * the built plugin (dist/module.js and the nested panel) exactly as Grafana
 * does — AMD, dependencies from the host — and mounts the app's pages, its
 * config page and the action panel with Grafana's theme, page chrome and
 * backend service. Requests go to the test's stand-in for Grafana's server.
 */
import React, { useEffect, useState, type ReactNode } from 'react';
import * as ReactAll from 'react';
import * as ReactDom from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as JsxRuntime from 'react/jsx-runtime';
import * as EmotionCss from '@emotion/css';
import * as EmotionReact from '@emotion/react';
import * as Rxjs from 'rxjs';
import * as ReactRouter from 'react-router';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import * as GrafanaData from '@grafana/data';
import { createTheme, PluginType, ThemeContext, type AppPlugin, type AppPluginMeta, type PanelPlugin, type PanelProps } from '@grafana/data';
import * as GrafanaRuntime from '@grafana/runtime';
import { setBackendSrv, setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import * as GrafanaUi from '@grafana/ui';
import { Alert, GlobalStyles, Icon, PanelChrome, Stack, Tab, TabsBar, Text } from '@grafana/ui';
import { loadPluginModule } from './amdLoader';
import { harnessBackendSrv } from './backendSrv';

const PLUGIN_ID = 'upkeep-maintenance-app';
const PLUGIN_URL = `/public/plugins/${PLUGIN_ID}`;

const SHARED: Record<string, unknown> = {
  react: ReactAll,
  'react-dom': ReactDom,
  'react/jsx-runtime': JsxRuntime,
  '@emotion/css': EmotionCss,
  '@emotion/react': EmotionReact,
  rxjs: Rxjs,
  'react-router': ReactRouter,
  '@grafana/data': GrafanaData,
  '@grafana/ui': GrafanaUi,
  '@grafana/runtime': GrafanaRuntime,
};

const PROMETHEUS = {
  uid: 'prometheus',
  name: 'Prometheus',
  type: 'prometheus',
  access: 'proxy',
  readOnly: false,
  jsonData: {},
  meta: { id: 'prometheus', name: 'Prometheus', type: PluginType.datasource, info: { logos: { small: '', large: '' } }, metrics: true, module: '', baseUrl: '' },
};

setBackendSrv(harnessBackendSrv);
setDataSourceSrv({
  getList: () => [PROMETHEUS],
  getInstanceSettings: (ref: unknown) => (ref === PROMETHEUS.uid || (ref as { uid?: string } | null)?.uid === PROMETHEUS.uid ? PROMETHEUS : undefined),
  get: () => Promise.resolve(PROMETHEUS),
  reload: () => Promise.resolve(),
  registerRuntimeDataSource: () => undefined,
} as unknown as DataSourceSrv);

interface PluginJson {
  name: string;
  includes: Array<{ type: string; name: string; path?: string; icon?: string }>;
}

interface HarnessPlugin {
  app: AppPlugin;
  panel: PanelPlugin;
  json: PluginJson;
  meta: AppPluginMeta;
}

async function loadEverything(): Promise<HarnessPlugin> {
  const [settings, json] = await Promise.all([
    fetch(`/api/plugins/${PLUGIN_ID}/settings`).then((r) => r.json() as Promise<Partial<AppPluginMeta>>),
    fetch(`${PLUGIN_URL}/plugin.json`).then((r) => r.json() as Promise<PluginJson>),
  ]);
  const app = (await loadPluginModule<{ plugin: AppPlugin }>(`${PLUGIN_URL}/module.js`, SHARED)).plugin;
  const panel = (await loadPluginModule<{ plugin: PanelPlugin }>(`${PLUGIN_URL}/panels/action/module.js`, SHARED)).plugin;
  const meta = { id: PLUGIN_ID, name: json.name, type: PluginType.app, enabled: true, module: `${PLUGIN_URL}/module.js`, baseUrl: PLUGIN_URL, info: {}, ...settings } as AppPluginMeta;
  app.meta = meta;
  return { app, panel, json, meta };
}

/** Grafana's page chrome, reduced: the app's name, its pages as tabs, the page's title. */
function Chrome({ plugin, children }: { plugin: HarnessPlugin; children: ReactNode }) {
  const location = useLocation();
  const navigate = useNavigate();
  const pages = plugin.json.includes
    .filter((i) => i.type === 'page' && i.path)
    .map((i) => ({ ...i, url: (i.path ?? '').replace('%PLUGIN_ID%', PLUGIN_ID) }));
  const current = pages.find((p) => location.pathname.startsWith(p.url));
  return (
    <div style={{ padding: '16px 24px', maxWidth: 1600 }}>
      <Stack direction="column" gap={2}>
        <Stack direction="row" alignItems="center" gap={1}>
          <img src={`${PLUGIN_URL}/img/logo.svg`} alt="" width={32} height={32} />
          <Text element="h1">{current?.name ?? plugin.json.name}</Text>
        </Stack>
        <TabsBar>
          {pages.map((p) => (
            <Tab key={p.url} label={p.name} icon={p.icon as GrafanaUi.IconName} active={p === current} onChangeTab={() => navigate(p.url)} />
          ))}
        </TabsBar>
        {children}
      </Stack>
    </div>
  );
}

function AppPage({ plugin }: { plugin: HarnessPlugin }) {
  const Root = plugin.app.root;
  if (!Root) {
    return <Alert title="The plugin has no root page" />;
  }
  return <Root meta={plugin.meta} basename={`/a/${PLUGIN_ID}`} query={{}} path={`/a/${PLUGIN_ID}`} onNavChanged={() => undefined} />;
}

function ConfigPage({ plugin }: { plugin: HarnessPlugin }) {
  const page = plugin.app.configPages?.[0];
  if (!page) {
    return <Alert title="The plugin has no config page" />;
  }
  const Body = page.body;
  return <Body plugin={plugin.app} query={{}} />;
}

/** A dashboard panel: the panel plugin in Grafana's panel chrome, options from the address. */
function PanelPage({ plugin }: { plugin: HarnessPlugin }) {
  const query = new URLSearchParams(useLocation().search);
  const variables: Record<string, string> = {};
  query.forEach((value, key) => {
    if (key.startsWith('var-')) {
      variables[key.slice(4)] = value;
    }
  });
  const options = { action: query.get('action') ?? '', target: query.get('target') ?? '$target', params: query.get('params') ?? '{}', label: query.get('label') ?? '' };
  const replaceVariables = (text: string) => text.replace(/\$\{?(\w+)\}?/g, (all, name: string) => variables[name] ?? all);
  const Panel = plugin.panel.panel as React.ComponentType<PanelProps>;
  return (
    <div style={{ width: 420, height: 220 }}>
      <PanelChrome title={query.get('title') ?? 'Maintenance'} width={420} height={220}>
        {(width, height) => (
          <Panel
            {...({ id: 1, options, replaceVariables, width, height, data: { series: [], state: 'Done' }, fieldConfig: { defaults: {}, overrides: [] }, timeZone: 'utc', transparent: false, title: '', renderCounter: 0, onOptionsChange: () => undefined, onFieldConfigChange: () => undefined, onChangeTimeRange: () => undefined, eventBus: undefined } as unknown as PanelProps)}
          />
        )}
      </PanelChrome>
    </div>
  );
}

function Host() {
  const [plugin, setPlugin] = useState<HarnessPlugin>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    loadEverything().then(setPlugin, (err: unknown) => setError(String(err)));
  }, []);
  if (error) {
    return <Alert title="The plugin did not load">{error}</Alert>;
  }
  if (!plugin) {
    return (
      <Stack direction="row" gap={1}>
        <Icon name="spinner" /> Loading the plugin…
      </Stack>
    );
  }
  return (
    <Routes>
      <Route path={`/a/${PLUGIN_ID}/*`} element={<Chrome plugin={plugin}><AppPage plugin={plugin} /></Chrome>} />
      <Route path={`/plugins/${PLUGIN_ID}`} element={<Chrome plugin={plugin}><ConfigPage plugin={plugin} /></Chrome>} />
      <Route path="/panel" element={<PanelPage plugin={plugin} />} />
    </Routes>
  );
}

const theme = createTheme({ colors: { mode: 'dark' } });
createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    <GlobalStyles />
    <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <Host />
    </BrowserRouter>
  </ThemeContext.Provider>,
);
