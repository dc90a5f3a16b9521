/**
 * docker-compose.yml cannot be started here (no Docker engine), so it is
 * checked by what can run: every file it mounts exists, the exporter's config
 * passes check-config with the environment compose gives it, and Prometheus'
 * config passes promtool and scrapes the exporter's service and port.
 */
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogOf, collectors } from '../../exporter/src/collectors/index.js';
import { parseListenAddress } from '../../exporter/src/config/listenAddress.js';
import { loadConfigFile } from '../../exporter/src/config/load.js';
import { collectorSuccess, targetUp } from '../../exporter/src/metrics/exporterFamilies.js';
import { REPO_ROOT } from '../harness/cli.js';
import { createScratchPrimary, harness, startTestExporter } from '../harness/index.js';

interface ComposeService {
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

async function compose(): Promise<{ services: Record<string, ComposeService> }> {
  return parse(await readFile(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
}

/** Compose's `${NAME:-default}` interpolation, with nothing set in the environment. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+):-([^}]*)\}/g, (_, _name: string, fallback: string) => fallback);
}

/** Host path of a bind mount whose container path is `containerPath`. */
function hostPathOf(service: ComposeService, containerPath: string): string {
  const volume = (service.volumes ?? []).find((v) => v.split(':')[1] === containerPath);
  if (!volume) throw new Error(`no volume mounts ${containerPath}`);
  return join(REPO_ROOT, volume.split(':')[0]!);
}

describe('docker-compose.yml', () => {
  it('mounts and builds only files that exist in the repository', async () => {
    const { services } = await compose();
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) await expect(access(join(REPO_ROOT, source)), `${name}: ${source}`).resolves.toBeUndefined();
      }
      if (service.build) await expect(access(join(REPO_ROOT, service.build.context, service.build.dockerfile))).resolves.toBeUndefined();
    }
  });

  it('gives the exporter a configuration that check-config accepts', async () => {
    const { services } = await compose();
    const exporter = services.exporter!;
    const command = exporter.command ?? [];
    const configPath = command[command.indexOf('--config') + 1]!;
    const env = Object.fromEntries(Object.entries(exporter.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
    const result = await loadConfigFile(hostPathOf(exporter, configPath), { collectors: catalogOf(collectors), env });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('gives Prometheus a configuration that promtool accepts and that scrapes the exporter', async () => {
    const { services } = await compose();
    const configFile = hostPathOf(services.prometheus!, '/etc/prometheus/prometheus.yml');
    const { stdout } = await promisify(execFile)(harness().promtool, ['check', 'config', configFile]);
    expect(stdout).toContain('SUCCESS');

    const prometheus = parse(await readFile(configFile, 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const exporterConfig = parse(await readFile(hostPathOf(services.exporter!, '/etc/upkeep/upkeep.yml'), 'utf8')) as { listen: string };
    const listen = parseListenAddress(exporterConfig.listen);
    expect(listen.ok && listen.port).toBe(9854);
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toContain('exporter:9854');
  });

  it('initialises PostgreSQL with a pg_monitor login that the exporter scrapes with', async () => {
    const { services } = await compose();
    const initDir = hostPathOf(services.postgres!, '/docker-entrypoint-initdb.d');
    const cluster = await createScratchPrimary('compose-init');
    try {
      const password = 'compose-test-password';
      // As the postgres image runs it: POSTGRES_USER set, libpq pointed at the new server.
      await promisify(execFile)('sh', [join(initDir, '10-upkeep-role.sh')], {
        env: { ...process.env, POSTGRES_USER: 'postgres', UPKEEP_DB_PASSWORD: password, PGHOST: cluster.host, PGPORT: String(cluster.port) },
      });
      const [role] = await cluster.query<{ monitor: boolean; superuser: boolean }>(
        "SELECT pg_has_role('upkeep', 'pg_monitor', 'MEMBER') AS monitor, rolsuper AS superuser FROM pg_roles WHERE rolname = 'upkeep'",
      );
      expect(role).toEqual({ monitor: true, superuser: false });

      const exporter = await startTestExporter({ postgres: [{ name: 'main', dsn: `postgresql://upkeep:${password}@${cluster.host}:${cluster.port}/postgres` }] });
      try {
        const { metrics } = await exporter.scrape();
        expect(metrics.value(targetUp.name, { kind: 'postgres', target: 'main' })).toBe(1);
        expect(metrics.value(collectorSuccess.name, { collector: 'pg_database', target: 'main' })).toBe(1);
      } finally {
        await exporter.close();
      }
    } finally {
      await cluster.destroy();
    }
  });
});
