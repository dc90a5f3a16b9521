/**
 * Runbooks: one per alert and none without one; each says what the alert
 * means, how to confirm it with PromQL that promtool accepts, and links to
 * the app page (with the action) that the alert's definition names as its fix.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { allAlerts, alertNames, runbookPath } from '../../alerts/src/catalog.js';
import { appPath } from '../../dashboards/src/appLinks.js';
import { REPO_ROOT } from '../harness/cli.js';
import { harness, temporaryDirectory } from '../harness/index.js';
import { promqlBlocks } from '../harness/referencedMetrics.js';

const runbook = (alert: string) => readFile(join(REPO_ROOT, runbookPath(alert)), 'utf8');

describe('runbooks', () => {
  it('exist for every alert, and only for alerts', async () => {
    const files = (await readdir(join(REPO_ROOT, 'docs/runbooks'))).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(files.map((f) => f.replace(/\.md$/, '')).sort()).toEqual(alertNames().sort());
  });

  it('name their alert, say how to confirm it and how to fix it, on the page the alert points to', async () => {
    for (const definition of allAlerts()) {
      const text = await runbook(definition.name);
      const where = runbookPath(definition.name);
      expect(text.startsWith(`# ${definition.name}\n`), where).toBe(true);
      expect(text, where).toContain('## Confirm');
      expect(text, where).toContain('## Fix');
      expect(promqlBlocks(text).length, where).toBeGreaterThan(0);
      expect(text, where).toContain(appPath(definition.fix.page));
      if (definition.fix.action) expect(text, where).toContain(definition.fix.action);
      // The levels live in thresholds.json; a runbook names the key instead of copying the number.
      if (typeof definition.threshold === 'string') expect(text, where).toContain(`\`${definition.threshold}\``);
    }
  });

  it('hold only PromQL that promtool accepts', async () => {
    const queries: string[] = [];
    for (const alert of alertNames()) queries.push(...promqlBlocks(await runbook(alert)));
    const dir = await temporaryDirectory('runbook-promql-');
    const file = join(dir, 'runbooks.rules.yml');
    await writeFile(file, stringify({ groups: [{ name: 'runbooks', rules: queries.map((expr, i) => ({ record: `runbook:query:${i}`, expr })) }] }, { lineWidth: 0 }));
    const { stdout } = await promisify(execFile)(harness().promtool, ['check', 'rules', '--lint=none', file]).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool rejected a runbook query:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    expect(stdout).toContain(`SUCCESS: ${queries.length} rules found`);
  });
});
