/**
 * The plugin's metadata as Grafana and its catalog validator would check it,
 * without either (neither runs here): plugin.json files against the schema
 * fixture, nested plugins declared, pages and dashboards consistent, and the
 * build output complete. Build first (`npm run build`); `npm test` does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { actions } from '../../exporter/src/actions/index.js';
import { describeAction } from '../../exporter/src/actions/catalog.js';
import { appPluginJson, PLUGIN_DIR, PLUGIN_DIST, PLUGIN_SRC, readJson, REPO_ROOT, type PluginJson } from './pluginFiles.js';

const schema = readJson<object>(join(REPO_ROOT, 'test', 'fixtures', 'grafana', 'plugin-json.schema.json'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

const NESTED = ['panels/action/plugin.json'];
/** What Grafana gives every plugin at run time (AMD dependencies of module.js). */
const GRAFANA_PROVIDES = ['@emotion/css', '@emotion/react', '@grafana/data', '@grafana/runtime', '@grafana/ui', 'module', 'react', 'react-dom', 'react-router', 'react/jsx-runtime', 'rxjs', 'lodash', 'moment', 'i18next'];

const dashboards = () => (existsSync(join(REPO_ROOT, 'dashboards')) ? readdirSync(join(REPO_ROOT, 'dashboards')).filter((f) => f.endsWith('.json')) : []);

describe('plugin.json', () => {
  it.each(['plugin.json', ...NESTED])('%s is valid against Grafana’s plugin.json schema', (file) => {
    const json = readJson<unknown>(join(PLUGIN_SRC, file));
    const valid = validate(json);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema fixture rejects what Grafana rejects', () => {
    const good = appPluginJson();
    const bad = (change: (p: Record<string, unknown>) => void) => {
      const copy = structuredClone(good) as unknown as Record<string, unknown>;
      change(copy);
      return validate(copy);
    };
    expect(bad(() => undefined)).toBe(true);
    expect(bad((p) => (p.id = 'Upkeep_App'))).toBe(false);
    expect(bad((p) => (p.surprise = true))).toBe(false);
    expect(bad((p) => delete (p.info as Record<string, unknown>).keywords)).toBe(false);
    expect(bad((p) => ((p.routes as Array<Record<string, unknown>>)[0]!.reqRole = 'Owner'))).toBe(false);
    expect(bad((p) => ((p.dependencies as Record<string, unknown>).grafanaDependency = 'latest'))).toBe(false);
  });

  it('declares every nested plugin with its path and type, and every dashboard', () => {
    const app = appPluginJson();
    for (const nested of NESTED) {
      const child = readJson<PluginJson>(join(PLUGIN_SRC, nested));
      expect(app.includes).toContainEqual(expect.objectContaining({ type: child.type, path: nested }));
      expect(child.dependencies.plugins).toContainEqual(expect.objectContaining({ id: app.id, type: 'app' }));
    }
    const included = (app.includes ?? []).filter((i) => i.type === 'dashboard').map((i) => i.path);
    expect(included.sort()).toEqual(dashboards().map((f) => `dashboards/${f}`).sort());
  });

  it('has one page per app route, the first the default', () => {
    const pages = (appPluginJson().includes ?? []).filter((i) => i.type === 'page' && i.path?.startsWith('/a/'));
    const slugs = pages.map((p) => p.path?.replace('/a/%PLUGIN_ID%/', ''));
    expect(slugs).toEqual(['overview', 'backups', 'replication', 'queries', 'bloat', 'certificates', 'jobs']);
    const constants = readFileSync(join(PLUGIN_SRC, 'constants.ts'), 'utf8');
    for (const slug of slugs) {
      expect(constants).toContain(`= '${slug}'`);
    }
  });

  it('its test fixture is the exporter’s action catalog', () => {
    const fixture = readJson<{ actions: unknown[] }>(join(PLUGIN_SRC, 'test', 'fixtures', 'actionCatalog.json'));
    expect(fixture.actions).toEqual(JSON.parse(JSON.stringify(actions.map(describeAction))));
  });
});

describe('plugin build output', () => {
  const built = existsSync(join(PLUGIN_DIST, 'module.js'));

  it('exists (npm run build)', () => {
    expect(built, `no ${PLUGIN_DIST}/module.js: run npm run build first`).toBe(true);
  });

  it.runIf(built)('has what Grafana and its catalog need, with the version filled in', () => {
    for (const file of ['module.js', 'plugin.json', 'img/logo.svg', 'README.md', 'CHANGELOG.md', 'LICENSE', 'panels/action/module.js', 'panels/action/plugin.json']) {
      expect(existsSync(join(PLUGIN_DIST, file)), file).toBe(true);
    }
    const version = readJson<{ version: string }>(join(PLUGIN_DIR, 'package.json')).version;
    const dist = readJson<PluginJson>(join(PLUGIN_DIST, 'plugin.json'));
    expect(dist.info.version).toBe(version);
    expect(dist.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(validate(dist)).toBe(true);
    const readme = readFileSync(join(PLUGIN_DIST, 'README.md'), 'utf8');
    expect(readme).toMatch(/^# Upkeep/m);
    expect(readme).not.toContain('Uncomment and replace the content here');
    for (const file of dashboards()) {
      expect(readFileSync(join(PLUGIN_DIST, 'dashboards', file), 'utf8')).toBe(readFileSync(join(REPO_ROOT, 'dashboards', file), 'utf8'));
    }
  });

  it.runIf(built)('loads as an AMD module needing only what Grafana provides', () => {
    for (const module of ['module.js', 'panels/action/module.js']) {
      const source = readFileSync(join(PLUGIN_DIST, module), 'utf8');
      const deps = /define\((\[[^\]]*\])/.exec(source)?.[1];
      expect(deps, `${module} is not an AMD module`).toBeDefined();
      const names = JSON.parse(deps!) as string[];
      expect(names.filter((n) => !GRAFANA_PROVIDES.includes(n))).toEqual([]);
    }
  });
});
