/**
 * The dashboards: the committed JSON is what dashboards/src generates; each
 * is self-contained (id null, stable uid, `datasource` and `target`
 * variables, every query on `${datasource}`), rates use $__rate_interval,
 * every expression is PromQL that promtool accepts, links go to pages and
 * parameters the Grafana app understands, and the job annotations are there.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { APP_ACTIONS, APP_ID, APP_PAGES, DEEP_LINK_PARAMS } from '../../dashboards/src/appLinks.js';
import { dashboardFiles } from '../../dashboards/src/outputs.js';
import { REPO_ROOT } from '../harness/cli.js';
import { harness, temporaryDirectory } from '../harness/index.js';
import { dashboardExpressions, withVariablesReplaced } from './promqlOfDashboards.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { datasource: { uid: string }; expr: string }[];
  fieldConfig?: { defaults: { links?: { url: string }[] } };
}

interface Dashboard {
  id: null;
  uid: string;
  title: string;
  tags: string[];
  panels: Panel[];
  links: { type: string; url?: string }[];
  annotations: { list: { name: string; expr?: string; datasource: { uid: string } }[] };
  templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] };
}

async function committedDashboards(): Promise<{ file: string; dashboard: Dashboard }[]> {
  const files = (await readdir(join(REPO_ROOT, 'dashboards'))).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => ({ file, dashboard: JSON.parse(await readFile(join(REPO_ROOT, 'dashboards', file), 'utf8')) as Dashboard })));
}

/** Every URL a dashboard links to: dashboard links and panel (data) links. */
function linksOf(dashboard: Dashboard): string[] {
  return [...dashboard.links.flatMap((l) => (l.url ? [l.url] : [])), ...dashboard.panels.flatMap((p) => (p.fieldConfig?.defaults.links ?? []).map((l) => l.url))];
}

describe('dashboards', () => {
  it('are exactly what dashboards/src generates (run `npm run generate` after a change), one file each', async () => {
    const generated = dashboardFiles();
    for (const file of generated) expect(await readFile(join(REPO_ROOT, file.path), 'utf8'), file.path).toBe(file.content);
    expect((await committedDashboards()).map((d) => `dashboards/${d.file}`)).toEqual(generated.map((f) => f.path).sort());
  });

  it('are self-contained, with stable unique uids, the datasource and target variables, and every query on ${datasource}', async () => {
    const dashboards = await committedDashboards();
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual([
      'upkeep-backups',
      'upkeep-certificates-disks',
      'upkeep-exporter',
      'upkeep-overview',
      'upkeep-postgres',
      'upkeep-redis',
    ]);
    expect(new Set(dashboards.map((d) => d.dashboard.title)).size).toBe(dashboards.length);
    for (const { file, dashboard } of dashboards) {
      expect(dashboard.id, file).toBeNull();
      expect(dashboard.uid.length, file).toBeLessThanOrEqual(40);
      expect(dashboard.tags, file).toContain('upkeep');
      const variables = dashboard.templating.list;
      expect(variables[0], file).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      expect(variables.find((v) => v.name === 'target'), file).toMatchObject({ type: 'query', datasource: { uid: '${datasource}' } });
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        const where = `${file}: ${panel.title}`;
        expect(panel.datasource?.uid, where).toBe('${datasource}');
        expect(panel.description, where).toBeTruthy();
        expect(panel.targets?.length, where).toBeGreaterThan(0);
        for (const t of panel.targets ?? []) expect(t.datasource.uid, where).toBe('${datasource}');
      }
      for (const annotation of dashboard.annotations.list.filter((a) => a.expr)) expect(annotation.datasource.uid, `${file}: ${annotation.name}`).toBe('${datasource}');
    }
  });

  it('lay panels out on the 24-column grid without overlaps, with unique ids', async () => {
    for (const { file, dashboard } of await committedDashboards()) {
      const ids = dashboard.panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      const taken = new Set<string>();
      for (const { gridPos, title } of dashboard.panels) {
        expect(gridPos.x + gridPos.w, `${file}: ${title}`).toBeLessThanOrEqual(24);
        for (let dx = 0; dx < gridPos.w; dx += 1) {
          for (let dy = 0; dy < gridPos.h; dy += 1) {
            const cell = `${gridPos.x + dx},${gridPos.y + dy}`;
            expect(taken.has(cell), `${file}: ${title} overlaps at ${cell}`).toBe(false);
            taken.add(cell);
          }
        }
      }
    }
  });

  it('compute rates over $__rate_interval, and totals over it or the dashboard range', async () => {
    for (const { dashboard } of await committedDashboards()) {
      for (const { where, expr } of dashboardExpressions(dashboard)) {
        for (const [, fn, window] of expr.matchAll(/\b(rate|irate|increase)\([^[]*\[([^\]]+)\]/g)) {
          const allowed = fn === 'increase' ? ['$__rate_interval', '$__range'] : ['$__rate_interval'];
          expect(allowed, `${dashboard.uid} ${where}: ${fn}(…[${window ?? ''}])`).toContain(window);
        }
      }
    }
  });

  it('hold only PromQL that promtool accepts', async () => {
    const expressions = (await committedDashboards()).flatMap(({ dashboard }) => dashboardExpressions(dashboard));
    // promtool parses recording rules' expressions: one rule per dashboard expression.
    const rules = { groups: [{ name: 'dashboards', rules: expressions.map((e, i) => ({ record: `dashboard:expr:${i}`, expr: withVariablesReplaced(e.expr) })) }] };
    const dir = await temporaryDirectory('dashboard-promql-');
    const file = join(dir, 'dashboards.rules.yml');
    await writeFile(file, stringify(rules, { lineWidth: 0 }));
    const result = await promisify(execFile)(harness().promtool, ['check', 'rules', '--lint=none', file]).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool rejected a dashboard expression:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    expect(result.stdout).toContain(`SUCCESS: ${expressions.length} rules found`);
  });

  it('link only to pages and parameters of the Upkeep app, and every dashboard has row or series links into it', async () => {
    const pages = Object.keys(APP_PAGES);
    for (const { file, dashboard } of await committedDashboards()) {
      const appLinks = linksOf(dashboard).filter((url) => url.startsWith('/a/'));
      expect(appLinks.length, file).toBeGreaterThan(0);
      for (const url of appLinks) {
        const [path = '', query = ''] = url.split('?');
        const [, a, app, page, ...rest] = path.split('/');
        expect([a, app, rest.length], `${file}: ${url}`).toEqual(['a', APP_ID, 0]);
        expect(pages, `${file}: ${url}`).toContain(page);
        for (const pair of query ? query.split('&') : []) {
          const [name = '', value = ''] = pair.split('=');
          expect(DEEP_LINK_PARAMS, `${file}: ${url}`).toContain(name);
          if (name === 'action' && !value.startsWith('${')) expect(APP_ACTIONS, `${file}: ${url}`).toContain(value);
        }
      }
      const panelLinks = dashboard.panels.flatMap((p) => (p.fieldConfig?.defaults.links ?? []).map((l) => l.url)).filter((u) => u.includes('${__'));
      expect(panelLinks.length, `${file}: data links from rows or series`).toBeGreaterThan(0);
    }
  });

  it('annotate maintenance jobs from the upkeep_job_* metrics', async () => {
    for (const { file, dashboard } of await committedDashboards()) {
      const exprs = dashboard.annotations.list.map((a) => a.expr ?? '');
      expect(exprs.some((e) => e.includes('upkeep_job_last_success_timestamp_seconds')), file).toBe(true);
      expect(exprs.some((e) => e.includes('upkeep_job_runs_total')), file).toBe(true);
      expect(exprs.some((e) => e.includes('upkeep_jobs_running')), file).toBe(true);
    }
  });
});
