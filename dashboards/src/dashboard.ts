/**
 * A whole dashboard: the `datasource` and `target` variables every Upkeep
 * dashboard has, links to the other dashboards and to the app's pages, the
 * maintenance-job annotations, and the panels laid out left to right, top to
 * bottom. Ids and positions follow from the order of the panels, so the JSON
 * only changes where the source did.
 */
import { APP_PAGES, appPath, type AppPage } from './appLinks.js';
import { DATASOURCE, type JsonObject, type PanelSpec } from './panels.js';

export const DASHBOARD_TAG = 'upkeep';

export interface Variable {
  name: string;
  label: string;
  /** A Prometheus label_values(…) query. */
  query: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** label_values(<selector>, target): which series name this dashboard's targets. */
  targetsFrom: string;
  extraVariables?: Variable[];
  /** App pages linked from the top of the dashboard, first one first. */
  pages: AppPage[];
  panels: PanelSpec[];
}

function queryVariable(v: Variable, refresh = 2): JsonObject {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: DATASOURCE,
    definition: v.query,
    query: { query: v.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: {},
    sort: 1,
    hide: 0,
    options: [],
  };
}

/**
 * Annotations from the job metrics: each successful job where it finished
 * (the timestamp is the series value), failed, cancelled or interrupted
 * jobs where they ended, and the stretches while any job ran.
 */
function jobAnnotations(): JsonObject[] {
  const prometheus = (name: string, iconColor: string, expr: string, titleFormat: string, tagKeys: string, useValueForTime: boolean): JsonObject => ({
    name,
    datasource: DATASOURCE,
    enable: true,
    hide: false,
    iconColor,
    expr,
    step: '60s',
    titleFormat,
    tagKeys,
    textFormat: '',
    useValueForTime,
  });
  return [
    {
      builtIn: 1,
      datasource: { type: 'grafana', uid: '-- Grafana --' },
      enable: true,
      hide: true,
      iconColor: 'rgba(0, 211, 255, 1)',
      name: 'Annotations & Alerts',
      type: 'dashboard',
    },
    prometheus(
      'Maintenance job succeeded',
      'green',
      'max by (action, target) (upkeep_job_last_success_timestamp_seconds{target=~"$target"}) * 1000',
      '{{action}} succeeded on {{target}}',
      'action,target',
      true,
    ),
    prometheus(
      'Maintenance job failed',
      'red',
      'sum by (action, result) (increase(upkeep_job_runs_total{result=~"failed|cancelled|interrupted"}[$__rate_interval])) > 0',
      '{{action}} {{result}}',
      'action,result',
      false,
    ),
    prometheus('Maintenance running', 'blue', 'sum(upkeep_jobs_running) > 0', 'maintenance job running', '', false),
  ];
}

const GRID_WIDTH = 24;
const DEFAULT_HEIGHT = 8;

/** Ids and grid positions in panel order; a row starts a new line. */
function layout(panels: PanelSpec[]): JsonObject[] {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  return panels.map((panel, index) => {
    const height = panel.height ?? DEFAULT_HEIGHT;
    if (panel.json.type === 'row' || x + panel.width > GRID_WIDTH) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    const gridPos = { h: height, w: panel.width, x, y };
    x += panel.width;
    lineHeight = Math.max(lineHeight, height);
    const common: JsonObject = { id: index + 1, title: panel.title, gridPos };
    if (panel.json.type === 'row') return { ...common, ...panel.json };
    return { ...common, description: panel.description, datasource: DATASOURCE, ...panel.json };
  });
}

export function dashboard(spec: DashboardSpec): JsonObject {
  const links: JsonObject[] = [
    { title: 'Upkeep dashboards', type: 'dashboards', tags: [DASHBOARD_TAG], asDropdown: true, includeVars: true, keepTime: true, icon: 'external link', targetBlank: false },
    ...spec.pages.map((page) => ({
      title: `${APP_PAGES[page]} (Upkeep app)`,
      type: 'link',
      url: appPath(page),
      icon: 'external link',
      tooltip: `Open the Upkeep app's ${APP_PAGES[page]} page`,
      asDropdown: false,
      includeVars: false,
      keepTime: true,
      targetBlank: false,
      tags: [],
    })),
  ];
  return {
    id: null,
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [DASHBOARD_TAG],
    editable: true,
    graphTooltip: 1,
    refresh: '1m',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    links,
    annotations: { list: jobAnnotations() },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', refresh: 1, regex: '', current: {}, hide: 0, includeAll: false, multi: false, options: [] },
        queryVariable({ name: 'target', label: 'Target', query: `label_values(${spec.targetsFrom}, target)` }),
        ...(spec.extraVariables ?? []).map((v) => queryVariable(v)),
      ],
    },
    panels: layout(spec.panels),
  };
}
