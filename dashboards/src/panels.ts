/**
 * Panels of classic Grafana dashboard JSON (schemaVersion 39), built from a
 * few fields each: every panel queries the `${datasource}` variable, every
 * table of an instant query hides Prometheus' bookkeeping columns, and links
 * go where the dashboards' conventions say (dashboards/README.md).
 */
import { loadThresholds, type Thresholds, type Threshold } from '../../alerts/src/thresholds.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const DATASOURCE: JsonObject = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: string;
  /** Series name in a time series legend. */
  legend?: string;
}

export interface Link {
  title: string;
  url: string;
}

/** What every panel has; the layout adds the position. */
export interface PanelSpec {
  title: string;
  /** One or two sentences: what the panel shows and what to do about it. */
  description: string;
  /** Grid columns out of 24. */
  width: number;
  height?: number;
  json: JsonObject;
}

type Steps = { color: string; value: number | null }[];

/** Colours from a thresholds.json entry: green on the good side, orange past warning, red past critical. */
export function steps(threshold: Threshold): Steps {
  return threshold.direction === 'above'
    ? [
        { color: 'green', value: null },
        { color: 'orange', value: threshold.warning },
        { color: 'red', value: threshold.critical },
      ]
    : [
        { color: 'red', value: null },
        { color: 'orange', value: threshold.critical },
        { color: 'green', value: threshold.warning },
      ];
}

let thresholds: Thresholds | undefined;

/** The colours of an alerts/thresholds.json entry, so a panel turns red where the alert fires. */
export function thresholdSteps(key: string): Steps {
  thresholds ??= loadThresholds();
  const entry = thresholds[key];
  if (!entry) throw new Error(`alerts/thresholds.json has no ${key}`);
  return steps(entry);
}

/** Red from `from` on: counts of things that should be zero. */
export function redFrom(from: number): Steps {
  return [
    { color: 'green', value: null },
    { color: 'red', value: from },
  ];
}

/** Red below 1: yes/no series where 1 is healthy. */
export const RED_BELOW_ONE: Steps = [
  { color: 'red', value: null },
  { color: 'green', value: 1 },
];

function target(query: Query, refId: string, instant: boolean): JsonObject {
  return {
    refId,
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: query.expr,
    legendFormat: query.legend ?? '__auto',
    range: !instant,
    instant,
    ...(instant ? { format: 'table' } : {}),
  };
}

const refIds = 'ABCDEFGH';

interface FieldOptions {
  unit?: string;
  steps?: Steps;
  links?: Link[];
  decimals?: number;
  min?: number;
  max?: number;
  mappings?: JsonObject[];
}

function fieldConfig(options: FieldOptions, custom: JsonObject = {}): JsonObject {
  const defaults: JsonObject = { custom };
  if (options.unit) defaults.unit = options.unit;
  if (options.decimals !== undefined) defaults.decimals = options.decimals;
  if (options.min !== undefined) defaults.min = options.min;
  if (options.max !== undefined) defaults.max = options.max;
  defaults.thresholds = { mode: 'absolute', steps: options.steps ?? [{ color: 'green', value: null }] };
  if (options.mappings) defaults.mappings = options.mappings;
  if (options.links) defaults.links = options.links.map((l) => ({ title: l.title, url: l.url }));
  return { defaults, overrides: [] };
}

interface Common extends FieldOptions {
  title: string;
  description: string;
  width: number;
  height?: number;
}

/**
 * For series a scheduled collector refreshes (every 30 s or every minute): a
 * panel minimum interval stretches $__rate_interval over several refreshes,
 * where a window of one refresh would show rates of 0 between steps.
 */
export function withMinInterval<T extends PanelSpec>(panel: T, minInterval: string): T {
  return { ...panel, json: { ...panel.json, interval: minInterval } };
}

/** One number per series, coloured by thresholds; for "how bad is the worst one". */
export function stat(spec: Common & { queries: Query[] }): PanelSpec {
  return {
    ...spec,
    json: {
      type: 'stat',
      targets: spec.queries.map((q, i) => target(q, refIds[i] ?? 'Z', true)),
      fieldConfig: fieldConfig(spec),
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'background',
        graphMode: 'none',
        justifyMode: 'auto',
        orientation: 'auto',
        textMode: 'value_and_name',
      },
    },
  };
}

/** Lines over time; thresholds drawn as dashed lines. */
export function timeseries(spec: Common & { queries: Query[]; stack?: boolean }): PanelSpec {
  const custom: JsonObject = {
    drawStyle: 'line',
    lineWidth: 1,
    fillOpacity: spec.stack ? 30 : 0,
    showPoints: 'never',
    spanNulls: false,
    stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' },
    thresholdsStyle: { mode: spec.steps ? 'dashed' : 'off' },
  };
  return {
    ...spec,
    json: {
      type: 'timeseries',
      targets: spec.queries.map((q, i) => target(q, refIds[i] ?? 'Z', false)),
      fieldConfig: fieldConfig(spec, custom),
      options: {
        legend: { displayMode: 'table', placement: 'right', showLegend: true, calcs: ['lastNotNull', 'max'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },
  };
}

export interface Column {
  /** The value column of query i ("Value" for one query, "Value #A"… when merged). */
  from: string;
  as: string;
}

/**
 * Rows from instant queries, joined on their labels: `values` names the
 * value column of each query. Row links carry the row's labels
 * (`${__data.fields.<label>}`) into the app page that holds the button.
 * `unit`, `mappings` and `steps` apply to every column; `columns` overrides
 * them for the columns named.
 */
export interface ColumnOptions {
  unit?: string;
  mappings?: JsonObject[];
  steps?: Steps;
}

/** Field overrides for the named columns: a unit, value mappings or colours of their own. */
function columnOverrides(columns: Record<string, ColumnOptions>): JsonObject[] {
  return Object.entries(columns).map(([name, options]) => {
    const properties: JsonObject[] = [];
    if (options.unit) properties.push({ id: 'unit', value: options.unit });
    if (options.mappings) properties.push({ id: 'mappings', value: options.mappings });
    if (options.steps) properties.push({ id: 'thresholds', value: { mode: 'absolute', steps: options.steps } });
    return { matcher: { id: 'byName', options: name }, properties };
  });
}

export function table(
  spec: Common & { queries: Query[]; values: string[]; sortBy?: { column: string; desc: boolean }; columns?: Record<string, ColumnOptions> },
): PanelSpec {
  const merged = spec.queries.length > 1;
  const renameByName: JsonObject = {};
  spec.values.forEach((name, i) => {
    renameByName[merged ? `Value #${refIds[i] ?? 'Z'}` : 'Value'] = name;
  });
  const transformations: JsonObject[] = [];
  if (merged) transformations.push({ id: 'merge', options: {} });
  transformations.push({ id: 'organize', options: { excludeByName: { Time: true, __name__: true, instance: true, job: true }, renameByName } });
  return {
    ...spec,
    json: {
      type: 'table',
      targets: spec.queries.map((q, i) => target(q, refIds[i] ?? 'Z', true)),
      transformations,
      fieldConfig: { ...fieldConfig(spec, { align: 'auto', cellOptions: { type: 'color-text' }, filterable: true }), overrides: columnOverrides(spec.columns ?? {}) },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: { show: false, reducer: ['sum'], fields: '' },
        ...(spec.sortBy ? { sortBy: [{ displayName: spec.sortBy.column, desc: spec.sortBy.desc }] } : {}),
      },
    },
  };
}

/** A collapsible section heading. */
export function row(title: string): PanelSpec {
  return { title, description: '', width: 24, height: 1, json: { type: 'row', collapsed: false, panels: [] } };
}

/** Value mapping for 0/1 series. */
export function yesNo(no: string, yes: string): JsonObject[] {
  return [{ type: 'value', options: { '0': { text: no, color: 'red', index: 0 }, '1': { text: yes, color: 'green', index: 1 } } }];
}

/** In a table row's link: the value of the row's `label` column. */
export const fromRow = (label: string): string => `\${__data.fields.${label}}`;

/** In a time series' link: the series' `label`. */
export const fromSeries = (label: string): string => `\${__field.labels.${label}}`;

/** The matcher every query of a dashboard carries: the `target` variable. */
export const TARGET = 'target=~"$target"';
