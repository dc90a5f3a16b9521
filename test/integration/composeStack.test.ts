/**
 * docker-compose.yml cannot be started here (no Docker engine), so it is
 * checked by what can run: every file it mounts exists (or is the app's
 * build output), every service reads its configuration from provisioning/,
 * the exporter's config passes check-config with compose's environment and
 * names compose's services, ports and secrets consistently, Prometheus'
 * config passes promtool with the rule files it mounts, Alertmanager's
 * passes amtool, Grafana gets the app and every variable its provisioning
 * reads, and the PostgreSQL init scripts work on a real server.
 */
import { execFile } from 'node:child_process';
import { access, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXPORTER_JOB } from '../../alerts/src/groups/upkeep.js';
import { APP_ID } from '../../dashboards/src/appLinks.js';
import { catalogOf, collectors } from '../../exporter/src/collectors/index.js';
import { parseListenAddress } from '../../exporter/src/config/listenAddress.js';
import { loadConfigFile } from '../../exporter/src/config/load.js';
import { collectorSuccess, targetUp } from '../../exporter/src/metrics/exporterFamilies.js';
import { amtoolBinary } from '../harness/binaries.js';
import { REPO_ROOT } from '../harness/cli.js';
import { createScratchPrimary, eventually, harness, startTestExporter, temporaryDirectory } from '../harness/index.js';

const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}

/** Mounted paths that are build outputs, not files in the repository: `npm run build` makes them. */
const BUILD_OUTPUTS: Record<string, string> = { './plugin/dist': 'plugin' };

async function compose(): Promise<Record<string, ComposeService>> {
  return (parse(await readFile(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> }).services;
}

/** Compose's `${NAME:-default}` interpolation, with nothing set in the environment. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+):-([^}]*)\}/g, (_, _name: string, fallback: string) => fallback);
}

function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
}

/** The host side of the bind mount whose container side is `containerPath`, relative to the repository. */
function mountOf(service: ComposeService, containerPath: string): string {
  const volume = (service.volumes ?? []).find((v) => v.split(':')[1] === containerPath);
  if (!volume) throw new Error(`no volume mounts ${containerPath}`);
  return volume.split(':')[0]!;
}

/** A path inside the container, seen on the host through the service's bind mounts. */
function hostPath(service: ComposeService, containerPath: string): string {
  for (const volume of service.volumes ?? []) {
    const [source = '', target = ''] = volume.split(':');
    if (source.startsWith('./') && (containerPath === target || containerPath.startsWith(`${target}/`))) return join(REPO_ROOT, source, containerPath.slice(target.length));
  }
  throw new Error(`${containerPath} is not mounted from the repository`);
}

/** A mounted provisioning file, or the YAML files of a mounted directory, as one text. */
async function provisioningText(source: string): Promise<string> {
  const path = join(REPO_ROOT, source);
  if (!(await stat(path)).isDirectory()) return readFile(path, 'utf8');
  const files = (await readdir(path)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
  return (await Promise.all(files.map((f) => readFile(join(path, f), 'utf8')))).join('\n');
}

function flagValue(command: string[] | undefined, flag: string): string | undefined {
  const args = command ?? [];
  const inline = args.find((a) => a.startsWith(`${flag}=`));
  if (inline) return inline.slice(flag.length + 1);
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

describe('docker-compose.yml', () => {
  it('runs the whole stack', async () => {
    expect(Object.keys(await compose()).sort()).toEqual(['alertmanager', 'exporter', 'grafana', 'postgres', 'postgres-standby', 'prometheus', 'redis']);
  });

  it('mounts and builds only files that exist in the repository, or the app\'s build output', async () => {
    for (const [name, service] of Object.entries(await compose())) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('./')) continue;
        const workspace = BUILD_OUTPUTS[source];
        // A build output: the workspace that builds it must exist (README, "Full stack": npm run build first).
        const path = workspace ? join(REPO_ROOT, workspace, 'package.json') : join(REPO_ROOT, source);
        await expect(access(path), `${name}: ${source}`).resolves.toBeUndefined();
      }
      if (service.build) await expect(access(join(REPO_ROOT, service.build.context, service.build.dockerfile))).resolves.toBeUndefined();
    }
  });

  it('gives every service its configuration from provisioning/', async () => {
    const services = await compose();
    const configOf = (name: string, flag: string) => mountOf(services[name]!, flagValue(services[name]!.command, flag) ?? '?');
    expect(configOf('exporter', '--config')).toBe('./provisioning/upkeep/upkeep.yml');
    expect(configOf('prometheus', '--config.file')).toBe('./provisioning/prometheus/prometheus.yml');
    expect(configOf('alertmanager', '--config.file')).toBe('./provisioning/alertmanager/alertmanager.yml');
    expect(mountOf(services.postgres!, '/docker-entrypoint-initdb.d')).toBe('./provisioning/postgres/initdb');
    const grafanaProvisioning = (services.grafana!.volumes ?? []).filter((v) => v.split(':')[1]?.startsWith('/etc/grafana/provisioning'));
    expect(grafanaProvisioning.length).toBeGreaterThan(0);
    for (const volume of grafanaProvisioning) expect(volume.startsWith('./provisioning/grafana/'), volume).toBe(true);
  });

  it('gives the exporter a configuration that check-config accepts, naming compose\'s services and secrets', async () => {
    const services = await compose();
    const exporter = services.exporter!;
    const env = environmentOf(exporter);
    const configFile = hostPath(exporter, flagValue(exporter.command, '--config') ?? '?');
    const result = await loadConfigFile(configFile, { collectors: catalogOf(collectors), env });
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (!result.ok) return;
    const config = result.config;

    const hostOf = (url: string) => new URL(url).hostname;
    expect(config.postgres.map((p) => hostOf(p.dsn))).toEqual(['postgres', 'postgres-standby']);
    expect(config.redis.map((r) => hostOf(r.url))).toEqual(['redis']);
    expect(config.alertmanager?.url).toBe('http://alertmanager:9093');
    // The state database is the one the init script creates.
    expect(new URL(config.state?.dsn ?? 'postgresql://x/none').pathname).toBe('/upkeep_state');
    expect(await readFile(join(REPO_ROOT, 'provisioning/postgres/initdb/10-upkeep-role.sh'), 'utf8')).toContain('CREATE DATABASE upkeep_state OWNER upkeep');

    // Grafana's token is an admin token of the exporter (the app's proxy caps it to the user's role).
    const grafanaToken = environmentOf(services.grafana!).UPKEEP_GRAFANA_TOKEN;
    const raw = parse(await readFile(configFile, 'utf8')) as { auth: { tokens: { name: string; tokenEnv: string; role: string }[] } };
    const grafana = raw.auth.tokens.find((t) => t.name === 'grafana');
    expect(grafana?.role).toBe('admin');
    expect(env[grafana?.tokenEnv ?? '']).toBe(grafanaToken);

    // One port everywhere: the exporter's listen address, the published port, Prometheus' target, the app's URL.
    const listen = parseListenAddress(config.listen);
    const port = listen.ok ? listen.port : -1;
    expect(exporter.ports).toEqual([`${port}:${port}`]);
    expect(environmentOf(services.grafana!).UPKEEP_EXPORTER_URL).toBe(`http://exporter:${port}`);
  });

  it('gives Prometheus a configuration promtool accepts, with the rule files it mounts, scraping the exporter and alerting to Alertmanager', async () => {
    const services = await compose();
    const prometheus = services.prometheus!;
    const configFile = hostPath(prometheus, flagValue(prometheus.command, '--config.file') ?? '?');
    const config = parse(await readFile(configFile, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    // The rule files as the container sees them, found on the host through the mounts.
    const hostRuleFiles = config.rule_files.map((f) => hostPath(prometheus, f));
    expect(hostRuleFiles).toEqual([join(REPO_ROOT, 'alerts/recording.rules.yml'), join(REPO_ROOT, 'alerts/alerting.rules.yml')]);
    const dir = await temporaryDirectory('compose-prometheus-');
    const copy = join(dir, 'prometheus.yml');
    await writeFile(copy, stringify({ ...config, rule_files: hostRuleFiles }));
    const { stdout } = await run(harness().promtool, ['check', 'config', copy]);
    expect(stdout).toContain('SUCCESS: 2 rule files found');
    expect(stdout).toContain('is valid prometheus config file syntax');
    expect(stdout).toContain('SUCCESS: 10 rules found');

    const job = config.scrape_configs.find((c) => c.job_name === EXPORTER_JOB);
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual(['exporter:9854']);
    expect(config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual(['alertmanager:9093']);
  });

  it('gives Alertmanager a configuration amtool accepts, where a critical alert silences its warning', async () => {
    const services = await compose();
    const alertmanager = services.alertmanager!;
    const configFile = hostPath(alertmanager, flagValue(alertmanager.command, '--config.file') ?? '?');
    const { stdout } = await run(await amtoolBinary(), ['check-config', configFile]);
    expect(stdout).toContain('SUCCESS');
    const config = parse(await readFile(configFile, 'utf8')) as { route: { group_by: string[] }; inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[] };
    expect(config.route.group_by).toEqual(['alertname', 'target']);
    expect(config.inhibit_rules[0]).toMatchObject({ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'] });
    expect(config.inhibit_rules[0]?.equal).toEqual(expect.arrayContaining(['alertname', 'target']));
  });

  it('gives Grafana the built app, allowed unsigned, every variable its provisioning reads, and one way to load the dashboards', async () => {
    const grafana = (await compose()).grafana!;
    expect(mountOf(grafana, `/var/lib/grafana/plugins/${APP_ID}`)).toBe('./plugin/dist');
    const env = environmentOf(grafana);
    expect(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS?.split(',')).toContain(APP_ID);
    const mounted = (grafana.volumes ?? []).filter((v) => v.split(':')[1]?.startsWith('/etc/grafana/provisioning')).map((v) => v.split(':')[0]!);
    for (const source of mounted) {
      const text = await provisioningText(source);
      const withoutComments = text.replace(/#.*$/gm, '');
      for (const [, name] of withoutComments.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)) expect(env[name ?? ''], `${source} reads $${name ?? ''}`).toBeTruthy();
    }
    // The app imports the dashboards it bundles: mounting the file provider too would load each uid twice.
    expect(mounted.some((s) => s.includes('provisioning/grafana/dashboards'))).toBe(false);
    // Prometheus evaluates the alerts in this stack; Grafana's copy of them would page twice.
    expect(mounted).not.toContain('./provisioning/grafana/alerting/upkeep-rules.yaml');
    expect(mounted.some((s) => s === './provisioning/grafana/alerting')).toBe(false);
  });

  it('initialises PostgreSQL with the exporter\'s login, its state database and heartbeat schema, and a replication login', async () => {
    const services = await compose();
    const initDir = hostPath(services.postgres!, '/docker-entrypoint-initdb.d');
    const cluster = await createScratchPrimary('compose-init');
    try {
      const password = 'compose-test-password';
      // As the postgres image runs them: POSTGRES_USER and PGDATA set, libpq pointed at the new server, in name order.
      const env = { ...process.env, POSTGRES_USER: 'postgres', PGDATA: cluster.dataDir, UPKEEP_DB_PASSWORD: password, UPKEEP_REPLICATION_PASSWORD: password, PGHOST: cluster.host, PGPORT: String(cluster.port) };
      for (const script of ['10-upkeep-role.sh', '20-replication.sh']) await run('sh', [join(initDir, script)], { env });
      const [role] = await cluster.query<{ monitor: boolean; signal: boolean; superuser: boolean }>(
        "SELECT pg_has_role('upkeep', 'pg_monitor', 'MEMBER') AS monitor, pg_has_role('upkeep', 'pg_signal_backend', 'MEMBER') AS signal, rolsuper AS superuser FROM pg_roles WHERE rolname = 'upkeep'",
      );
      expect(role).toEqual({ monitor: true, signal: true, superuser: false });
      const [state] = await cluster.query<{ owner: string }>("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'upkeep_state'");
      expect(state?.owner).toBe('upkeep');
      const [replicator] = await cluster.query<{ rolreplication: boolean }>("SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'");
      expect(replicator?.rolreplication).toBe(true);
      const hba = await cluster.query<{ database: string[]; user_name: string[]; auth_method: string }>("SELECT database, user_name, auth_method FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND 'replicator' = ANY(user_name)");
      expect(hba).toEqual([{ database: ['replication'], user_name: ['replicator'], auth_method: 'scram-sha-256' }]);

      // The exporter as compose runs it against these: metrics, its state schema, the heartbeat in its schema.
      const dsn = (database: string) => `postgresql://upkeep:${password}@${cluster.host}:${cluster.port}/${database}`;
      const exporter = await startTestExporter({
        postgres: [{ name: 'main', dsn: dsn('postgres'), heartbeat: { table: 'upkeep.heartbeat', intervalSeconds: 1 } }],
        state: { dsn: dsn('upkeep_state') },
      });
      try {
        const { metrics } = await exporter.scrape();
        expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'main' })).toBe(1);
        expect(metrics.value(collectorSuccess.name, { collector: 'pg_database', target: 'main' })).toBe(1);
        await eventually(async () => (await exporter.scrape()).metrics.has('upkeep_pg_heartbeat_timestamp_seconds', { target: 'main' }), 'the heartbeat written into upkeep.heartbeat');
        await eventually(async () => (await fetch(`${exporter.url}/readyz`).then((r) => r.json() as Promise<{ api: { jobs: { state: string } } }>)).api.jobs.state === 'ready', 'the state database migrated');
      } finally {
        await exporter.close();
      }
    } finally {
      await cluster.destroy();
    }
  });
});
