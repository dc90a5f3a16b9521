/**
 * The alert path end to end, every part real: the exporter in this process
 * watches a primary with a streaming standby, a PostgreSQL that will be
 * stopped, and a dump directory whose newest backup is 27 hours old;
 * Prometheus (Debian's) scrapes it every second and evaluates the rules of
 * alerts/ (`for` shortened to 2 s, the replication levels lowered so a few
 * megabytes of WAL cross them; the clock is never faked); Alertmanager
 * (Debian's) routes with provisioning/alertmanager/alertmanager.yml, only
 * its timings shortened, to a webhook receiver in this test.
 *
 * BackupTooOld arrives with the description stating the age; pausing replay
 * and writing brings ReplicationLagHigh, resuming resolves it; stopping a
 * server brings UpkeepTargetDown.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { writeDumpManifest } from '../../exporter/src/backups/manifest.js';
import { alertingRulesFile, recordingRulesFile } from '../../alerts/src/prometheusRules.js';
import { loadThresholds, type Thresholds } from '../../alerts/src/thresholds.js';
import { AlertmanagerServer } from '../harness/alertmanagerServer.js';
import { REPO_ROOT } from '../harness/cli.js';
import { createScratchPrimary, eventually, PostgresCluster, startTestExporter, temporaryDirectory, type TestExporter } from '../harness/index.js';
import { removeDirectory } from '../harness/postgresCluster.js';
import { PrometheusServer } from '../harness/prometheusServer.js';
import { WebhookReceiver } from '../harness/webhookReceiver.js';

const STANDBY = 'e2e-standby';
const DELIVERY_TIMEOUT_MS = 90_000;

type Scratch = Awaited<ReturnType<typeof createScratchPrimary>>;

let primary: Scratch;
let doomed: Scratch;
let standby: PostgresCluster;
let standbyDir: string;
let exporter: TestExporter;
let prometheus: PrometheusServer;
let alertmanager: AlertmanagerServer;
let webhook: WebhookReceiver;

/** The thresholds, with the replication levels low enough for a test to cross. */
function testThresholds(): Thresholds {
  const real = loadThresholds();
  const lower = (key: string, warning: number) => {
    const entry = real[key];
    if (!entry) throw new Error(`thresholds.json lost ${key}`);
    return { ...entry, warning };
  };
  return { ...real, replicationLagSeconds: lower('replicationLagSeconds', 1), replicationLagBytes: lower('replicationLagBytes', 262_144) };
}

/** The stack's Alertmanager configuration, delivering to `url` within a second or two. */
async function alertmanagerConfig(url: string): Promise<string> {
  const config = parse(await readFile(join(REPO_ROOT, 'provisioning/alertmanager/alertmanager.yml'), 'utf8')) as {
    route: Record<string, unknown>;
    receivers: { name: string; webhook_configs: { url: string; send_resolved: boolean }[] }[];
  };
  Object.assign(config.route, { group_wait: '1s', group_interval: '1s' });
  for (const receiver of config.receivers) for (const hook of receiver.webhook_configs) hook.url = url;
  return stringify(config);
}

/** A dump of `main` whose manifest says it finished 27 hours ago: past BackupTooOld's 26-hour warning. */
async function oldBackup(dir: string): Promise<void> {
  const dump = join(dir, 'main-postgres-old.dump');
  await writeFile(dump, 'an old dump\n');
  await writeDumpManifest(dump, {
    startedAt: new Date(Date.now() - 27.1 * 3_600_000),
    finishedAt: new Date(Date.now() - 27 * 3_600_000),
    target: 'main',
    database: 'postgres',
    dumpFormat: 'plain',
    pgDumpVersion: 'pg_dump (PostgreSQL) 15',
    serverVersion: '15',
  });
}

async function writeWal(batches: number): Promise<void> {
  for (let i = 0; i < batches; i += 1) await primary.query(`INSERT INTO churn (payload) SELECT repeat('x', 200) FROM generate_series(1, 500)`);
}

async function delivered(status: 'firing' | 'resolved', labels: Record<string, string>, what: string) {
  await eventually(() => Promise.resolve(webhook.received(status, labels).length > 0), what, DELIVERY_TIMEOUT_MS);
  return webhook.received(status, labels)[0]!;
}

beforeAll(async () => {
  webhook = await WebhookReceiver.start();
  alertmanager = await AlertmanagerServer.start(await temporaryDirectory('e2e-alertmanager-'), await alertmanagerConfig(webhook.url));
  primary = await createScratchPrimary('e2e-primary');
  await primary.query('CREATE TABLE churn (id bigserial PRIMARY KEY, payload text)');
  standbyDir = await temporaryDirectory('e2e-standby-');
  standby = await PostgresCluster.createStandby(primary, STANDBY, { directory: standbyDir });
  doomed = await createScratchPrimary('e2e-doomed');
  const dumps = await temporaryDirectory('e2e-dumps-');
  await oldBackup(dumps);
  exporter = await startTestExporter({
    postgres: [
      { name: 'main', dsn: primary.dsn() },
      { name: 'replica', dsn: standby.dsn() },
      { name: 'doomed', dsn: doomed.dsn() },
    ],
    backups: [{ name: 'nightly', target: 'main', kind: 'dump-dir', path: dumps }],
  });
  await exporter.firstScheduledRuns;

  const rules = await temporaryDirectory('e2e-rules-');
  await writeFile(join(rules, 'recording.rules.yml'), recordingRulesFile());
  await writeFile(join(rules, 'alerting.rules.yml'), alertingRulesFile({ thresholds: testThresholds(), forOverride: () => '2s' }));
  prometheus = await PrometheusServer.start(
    await temporaryDirectory('e2e-prometheus-'),
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
      rule_files: [join(rules, 'recording.rules.yml'), join(rules, 'alerting.rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanager.url).host] }] }] },
      scrape_configs: [{ job_name: 'upkeep', static_configs: [{ targets: [new URL(exporter.url).host] }] }],
    }),
  );
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  await webhook?.close();
  await exporter?.close();
  if (standby && (await standby.isRunning())) await standby.stop('immediate');
  await removeDirectory(standbyDir);
  await doomed?.destroy();
  await primary?.destroy();
});

describe('alert path: exporter → Prometheus → Alertmanager → webhook', () => {
  it('delivers BackupTooOld for a source whose newest backup is older than the threshold, stating its age', async () => {
    const alert = await delivered('firing', { alertname: 'BackupTooOld', severity: 'warning', target: 'main', source: 'nightly' }, 'BackupTooOld at the webhook');
    expect(alert.annotations.summary).toMatch(/^Backup source nightly of main: newest backup is 1d 3h \d+m \d+s old$/);
    expect(alert.annotations.description).toContain('more than 1d 2h');
    expect(alert.annotations.runbook_url).toMatch(/docs\/runbooks\/BackupTooOld\.md$/);
    // 27 hours is past the warning, not the critical.
    expect(webhook.received('firing', { alertname: 'BackupTooOld', severity: 'critical' })).toEqual([]);
  });

  it('delivers ReplicationLagHigh while replay is paused and the primary writes, and its resolution after resume', async () => {
    const lagging = { alertname: 'ReplicationLagHigh', severity: 'warning', target: 'main', standby: STANDBY };
    let measure: string | undefined;
    await standby.query('SELECT pg_wal_replay_pause()');
    try {
      const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
      // Keep writing: lag in seconds only grows while there is something to replay.
      while (webhook.received('firing', lagging).length === 0 && Date.now() < deadline) await writeWal(5);
      const alert = await delivered('firing', lagging, 'ReplicationLagHigh at the webhook');
      measure = alert.labels.measure;
      expect(['seconds', 'bytes']).toContain(measure);
      expect(alert.annotations.summary).toMatch(/^Standby e2e-standby of main (replays .+ behind|is .+B of WAL behind)$/);
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }
    // The alert that fired resolves, as itself (same measure), once the standby has caught up.
    const resolved = await delivered('resolved', { ...lagging, measure: measure ?? '' }, 'ReplicationLagHigh resolved at the webhook');
    expect(Date.parse(resolved.endsAt)).toBeLessThanOrEqual(Date.now());
  });

  it('delivers UpkeepTargetDown once a PostgreSQL server stops', async () => {
    expect(webhook.received('firing', { alertname: 'UpkeepTargetDown', target: 'doomed' })).toEqual([]);
    await doomed.stop('fast');
    const alert = await delivered('firing', { alertname: 'UpkeepTargetDown', severity: 'critical', target: 'doomed', kind: 'postgres' }, 'UpkeepTargetDown at the webhook');
    expect(alert.annotations.description).toContain('upkeep_target_up = 0');
    // The stopped server's other alerts are its own business: the running ones stay quiet.
    expect(webhook.received('firing', { alertname: 'UpkeepTargetDown', target: 'main' })).toEqual([]);
  });
});
