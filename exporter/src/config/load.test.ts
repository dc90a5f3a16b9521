import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, loadConfigText } from './load.js';
import { MIN_TOKEN_LENGTH } from './secrets.js';
import type { CollectorCatalogEntry } from './schema.js';

const collectors: CollectorCatalogEntry[] = [
  { name: 'pg_database', mode: 'live' },
  { name: 'pg_bloat', mode: 'scheduled' },
  { name: 'backups', mode: 'scheduled', defaultTimeoutSeconds: 120 },
];

const TOKEN = 'x'.repeat(MIN_TOKEN_LENGTH);

/** The example of ../shared/DESIGN.md, which must stay valid. */
const DESIGN_EXAMPLE = `
listen: "0.0.0.0:9854"
postgres:
  - name: main                       # becomes the \`target\` label
    dsn: postgresql://upkeep@db:5432/postgres    # or dsnEnv: VAR / dsnFile: /path
    databases: { include: [".*"], exclude: ["^template"] }
redis:
  - name: cache
    url: redis://127.0.0.1:6379      # or urlEnv / urlFile
certificates:
  endpoints:
    - { name: web, host: example.com, port: 443, protocol: tls, servername: example.com }
    - { name: main-pg, host: db, port: 5432, protocol: postgres }
  files:
    - { name: local-certs, paths: ["/etc/ssl/private/*.pem"] }
disks:
  - { name: backups, path: /var/backups/postgres }
backups:
  - { name: nightly, target: main, kind: dump-dir, path: /var/backups/postgres }
  - { name: repo1, target: main, kind: pgbackrest, stanza: main }
state:
  dsnEnv: UPKEEP_STATE_DSN            # where jobs and the audit log live
auth:
  tokens:
    - { name: grafana, tokenEnv: UPKEEP_GRAFANA_TOKEN, role: operator }
schedules:
  - { name: nightly-backup, action: backup, target: main, cron: "0 2 * * *" }
alertmanager:
  url: http://alertmanager:9093       # optional: silences while a job runs
`;

const env = { UPKEEP_STATE_DSN: 'postgresql://upkeep@db/upkeep', UPKEEP_GRAFANA_TOKEN: TOKEN };

async function load(text: string, extraEnv: NodeJS.ProcessEnv = {}) {
  return loadConfigText(text, { collectors, env: { ...env, ...extraEnv } });
}

async function problemsOf(text: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const result = await load(text, extraEnv);
  if (result.ok) throw new Error('expected the configuration to be invalid');
  return result.problems;
}

const temporaryDirectories: string[] = [];
afterAll(async () => {
  await Promise.all(temporaryDirectories.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('configuration loading', () => {
  it('accepts the example from the design document and applies defaults', async () => {
    const result = await load(DESIGN_EXAMPLE);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const main = result.config.postgres[0]!;
    expect(main.dsn).toBe('postgresql://upkeep@db:5432/postgres');
    expect(main.statementTimeoutSeconds).toBe(5);
    expect(main.lockTimeoutSeconds).toBe(1);
    expect(main.maxConnections).toBe(3);
    expect(result.config.state).toEqual({ dsn: env.UPKEEP_STATE_DSN });
    expect(result.config.auth.tokens[0]).toEqual({ name: 'grafana', role: 'operator', token: TOKEN });
    expect(result.config.logLevel).toBe('info');
    expect(result.config.schedules[0]).toMatchObject({ name: 'nightly-backup', action: 'backup', target: 'main', params: {} });
    expect(result.config.alertmanager).toEqual({ url: 'http://alertmanager:9093' });
    expect(result.warnings.join('\n')).not.toContain('no effect');
  });

  it('reports every problem with its field path and line, not just the first', async () => {
    const problems = await problemsOf(`postgres:
  - name: main
    dsn: postgresql://db/postgres
    statementTimeoutSeconds: -1
redis:
  - name: cache
    url: redis://cache:6379
    connectTimoutSeconds: 3
`);
    expect(problems).toEqual([
      { path: 'postgres[0].statementTimeoutSeconds', line: 4, message: 'must be greater than 0' },
      {
        path: 'redis[0].connectTimoutSeconds',
        line: 8,
        message: 'unknown key (did you mean "connectTimeoutSeconds"?); allowed here: name, url, urlEnv, urlFile, connectTimeoutSeconds',
      },
    ]);
  });

  it('reports type errors, cross-references and missing secrets together', async () => {
    const problems = await problemsOf(`postgres:
  - name: main
    dsnEnv: NOT_SET_ANYWHERE
    maxConnections: "3"
  - name: main
    dsn: postgresql://db/postgres
backups:
  - { name: b, target: main }
`);
    expect(problems.map((p) => `${p.line}: ${p.path}: ${p.message}`)).toEqual([
      '3: postgres[0].dsnEnv: environment variable NOT_SET_ANYWHERE is not set',
      '4: postgres[0].maxConnections: must be a number, got the string "3"',
      '5: postgres[1].name: "main" is already the name of target postgres[0]; target names must be unique across postgres and redis',
      '8: backups[0].kind: is required',
    ]);
  });

  it('suggests the closest key for a misspelt top-level section', async () => {
    const problems = await problemsOf('postgress:\n  - name: main\n    dsn: postgresql://db/postgres\n');
    expect(problems[0]).toMatchObject({ path: 'postgress', line: 1 });
    expect(problems[0]!.message).toContain('did you mean "postgres"?');
  });

  it('suggests the closest allowed value', async () => {
    const problems = await problemsOf(`postgres: [{ name: main, dsn: "postgresql://db/postgres" }]
auth:
  tokens: [{ name: grafana, tokenEnv: UPKEEP_GRAFANA_TOKEN, role: operater }]
`);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('auth.tokens[0].role');
    expect(problems[0]!.message).toBe('must be one of "viewer", "operator", "admin" (did you mean "operator"?), got the string "operater"');
  });

  it('requires exactly one source for each secret', async () => {
    const problems = await problemsOf(`postgres:
  - name: none
  - name: both
    dsn: postgresql://db/postgres
    dsnEnv: MAIN_DSN
`);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'postgres[0]: needs one of dsn, dsnEnv, dsnFile',
      'postgres[1]: has dsn and dsnEnv: give exactly one of dsn, dsnEnv, dsnFile',
    ]);
  });

  it('resolves secrets from the environment and from files, and says which one is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upkeep-config-test-'));
    temporaryDirectories.push(dir);
    await writeFile(join(dir, 'dsn'), 'postgresql://reader:secret@db/postgres\n');
    const ok = await load(`postgres:
  - { name: a, dsnEnv: MAIN_DSN }
  - { name: b, dsnFile: ${join(dir, 'dsn')} }
`, { MAIN_DSN: ' postgresql://db/postgres ' });
    if (!ok.ok) throw new Error(JSON.stringify(ok.problems));
    expect(ok.config.postgres.map((p) => p.dsn)).toEqual(['postgresql://db/postgres', 'postgresql://reader:secret@db/postgres']);

    const problems = await problemsOf(`postgres:
  - { name: a, dsnEnv: MISSING_DSN }
  - { name: b, dsnFile: ${join(dir, 'absent')} }
  - { name: c, dsnEnv: NOT_A_URL }
`, { NOT_A_URL: 'host=db user=me password=hunter2' });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'postgres[0].dsnEnv: environment variable MISSING_DSN is not set',
      `postgres[1].dsnFile: cannot read ${join(dir, 'absent')}: ENOENT`,
      'postgres[2].dsnEnv: must be a URL such as postgresql://user@host:5432/postgres (the value from $NOT_A_URL)',
    ]);
    // A secret's value is never echoed back.
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });

  it('rejects short API tokens', async () => {
    const problems = await problemsOf(
      'postgres: [{ name: main, dsn: "postgresql://db/postgres" }]\nauth: { tokens: [{ name: t, tokenEnv: SHORT, role: admin }] }\n',
      { SHORT: 'abc' },
    );
    expect(problems[0]).toMatchObject({ path: 'auth.tokens[0].tokenEnv' });
    expect(problems[0]!.message).toContain(`use at least ${MIN_TOKEN_LENGTH}`);
  });

  it('checks names and references across sections', async () => {
    const problems = await problemsOf(`postgres:
  - { name: main, dsn: "postgresql://db/postgres" }
redis:
  - { name: main, url: "redis://cache" }
backups:
  - { name: nightly, target: mian, kind: dump-dir, path: /backups }
  - { name: repo, target: main, kind: pgbackrest }
schedules:
  - { name: vac, action: vacuum, target: elsewhere, cron: "61 * * * *" }
`);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['redis[0].name']).toMatch(/already the name of target postgres\[0\]/);
    expect(byPath['backups[0].target']).toBe('refers to unknown postgres target "mian" (did you mean "main"?); known: main');
    expect(byPath['backups[1].stanza']).toBe('is required for kind pgbackrest');
    expect(byPath['schedules[0].cron']).toMatch(/^is not a valid cron expression/);
  });

  it('validates collector settings against the collectors that exist', async () => {
    const problems = await problemsOf(`postgres: [{ name: main, dsn: "postgresql://db/postgres" }]
collectors:
  pg_databse: { enabled: false }
  pg_database: { schedule: "*/5 * * * *" }
  pg_bloat: { schedule: "*/30 * * * *", timeoutSeconds: 120 }
`);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'collectors.pg_databse: refers to unknown collector "pg_databse" (did you mean "pg_database"?); known: pg_database, pg_bloat, backups',
      'collectors.pg_database.schedule: does not apply: pg_database is a live collector and runs on every scrape within the scrape timeout',
    ]);
  });

  it('rejects a configuration that monitors nothing, and a bad listen address', async () => {
    const problems = await problemsOf('listen: "9854"\n');
    expect(problems.map((p) => p.path)).toEqual(['listen', '(top level)']);
    expect(problems[0]!.message).toContain('must be host:port');
  });

  it('reports invalid YAML with its line', async () => {
    const problems = await problemsOf('postgres:\n  - name: main\n    dsn: a\n    dsn: b\n');
    expect(problems).toEqual([{ path: '(yaml)', line: 4, message: 'invalid YAML: Map keys must be unique' }]);
  });

  it('reports an unreadable file', async () => {
    const result = await loadConfigFile('/nonexistent/upkeep.yml', { collectors });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toContain('cannot read /nonexistent/upkeep.yml');
  });

  it('warns about inline passwords', async () => {
    const result = await load('postgres: [{ name: main, dsn: "postgresql://u:pw@db/postgres" }]\n');
    expect(result.ok && result.warnings).toEqual([
      'postgres[0].dsn contains a password inline; prefer dsnEnv or dsnFile so the file can be shared',
    ]);
  });

  it('warns when a backup source may take as long as the whole backups run', async () => {
    const sources = `backups:
  - { name: slow, target: main, kind: pgbackrest, stanza: main, timeoutSeconds: 120 }
  - { name: fine, target: main, kind: walg, timeoutSeconds: 60 }
`;
    const result = await load(`postgres: [{ name: main, dsnEnv: X }]\n${sources}`, { X: 'postgresql://db/postgres' });
    expect(result.ok && result.warnings).toEqual([
      "backups[0].timeoutSeconds (120 s) is not below the backups collector's run timeout (120 s): a hanging source would cut the whole run, so no source would be reported down; lower it or raise collectors.backups.timeoutSeconds",
    ]);
    const raised = await load(`postgres: [{ name: main, dsnEnv: X }]\n${sources}collectors: { backups: { timeoutSeconds: 300 } }\n`, { X: 'postgresql://db/postgres' });
    expect(raised.ok && raised.warnings).toEqual([]);
  });
});
