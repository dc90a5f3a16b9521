/**
 * The certificate collectors against real servers and files, with
 * certificates made by openssl at test time:
 * - tls_endpoints: node TLS servers presenting an expired certificate, one
 *   expiring in 5 days, a leaf + intermediate with different expiries, a
 *   certificate for another host name, two SNI names on one port; a
 *   PostgreSQL with ssl=on (and the harness primary without); a refused
 *   port, a silent server, a name that does not resolve.
 * - cert_files: a bundle of three, garbage, paths no one can read, not even
 *   root (a dangling symlink, a symlink cycle, a FIFO: chmod 000 does not
 *   stop root), a symlink swapped to a new certificate.
 * - pg_cert_file: the TLS cluster's ssl_cert_file, absolute and relative to
 *   data_directory; the harness primary with ssl off. (Telling a remote
 *   server apart is dataDirectoryLocality's, tested beside it.)
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { certificateFiles } from '../../exporter/src/collectors/certificateFiles.js';
import { collectors as registered } from '../../exporter/src/collectors/index.js';
import { pgCertFile } from '../../exporter/src/collectors/pgCertFile.js';
import { createTlsEndpointsCollector, tlsEndpoints } from '../../exporter/src/collectors/tlsEndpoints.js';
import { collectorDuration, collectorSuccess } from '../../exporter/src/metrics/exporterFamilies.js';
import {
  tlsCertHostnameMatch,
  tlsCertNotAfter,
  tlsCertNotBefore,
  tlsCertVerified,
  tlsEarliestCertExpiry,
  tlsFileError,
  tlsLeafCertExpiry,
  tlsOffered,
  tlsProbeDuration,
  tlsProbeError,
  tlsProbeLastSuccess,
  tlsProbeSuccess,
} from '../../exporter/src/metrics/tlsFamilies.js';
import {
  createCertificateAuthority,
  createIntermediateAuthority,
  giveToServerUser,
  issueServerCertificate,
  issueServerCertificateBetween,
  opensslNotAfter,
  writeChain,
  type TestCertificate,
} from '../harness/certificates.js';
import {
  createScratchPrimary,
  eventually,
  harness,
  promtoolCheckMetrics,
  queryOnce,
  startTestExporter,
  temporaryDirectory,
  type ParsedMetrics,
  type TestExporter,
} from '../harness/index.js';

const execFileAsync = promisify(execFile);
const ROOT_CN = 'Upkeep Certificates Test Root';
const INTERMEDIATE_CN = 'Upkeep Certificates Test Intermediate';
const LOCAL_NAMES = ['DNS:localhost', 'IP:127.0.0.1'];
/** Probes give up after this long in these tests (the collector's default is 10 s). */
const PROBE_TIMEOUT_MS = 1500;
/** Runs only at start-up and on refresh, so a cron tick during a test cannot add a run. */
const ON_DEMAND = { schedule: '0 0 1 1 *' };

let certDirectory: string;
let root: TestCertificate;
let intermediate: TestCertificate;
let chainLeaf: TestCertificate;
let expired: TestCertificate;
let soon: TestCertificate;
let wrongHost: TestCertificate;
let alpha: TestCertificate;
let beta: TestCertificate;
let pgChainFile: string;
let cluster: Awaited<ReturnType<typeof createScratchPrimary>>;
let exporter: TestExporter | undefined;

beforeAll(async () => {
  certDirectory = await temporaryDirectory('certificates-');
  root = await createCertificateAuthority(certDirectory, { name: 'root', commonName: ROOT_CN, days: 365 });
  // The intermediate expires long before the leaf it signed: earliest and leaf expiry differ.
  intermediate = await createIntermediateAuthority(certDirectory, root, { name: 'intermediate', commonName: INTERMEDIATE_CN, days: 30 });
  chainLeaf = await issueServerCertificate(certDirectory, intermediate, { name: 'chain-leaf', commonName: 'localhost', days: 90, altNames: LOCAL_NAMES });
  expired = await issueServerCertificateBetween(certDirectory, root, {
    name: 'expired',
    commonName: 'localhost',
    altNames: LOCAL_NAMES,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2020-03-01T00:00:00Z'),
  });
  soon = await issueServerCertificate(certDirectory, root, { name: 'soon', commonName: 'localhost', days: 5, altNames: LOCAL_NAMES });
  wrongHost = await issueServerCertificate(certDirectory, root, { name: 'wrong-host', commonName: 'other.example', days: 60, altNames: ['DNS:other.example'] });
  alpha = await issueServerCertificate(certDirectory, root, { name: 'alpha', commonName: 'alpha.test', days: 20, altNames: ['DNS:alpha.test'] });
  beta = await issueServerCertificate(certDirectory, root, { name: 'beta', commonName: 'beta.test', days: 40, altNames: ['DNS:beta.test'] });

  pgChainFile = await writeChain(join(certDirectory, 'pg-chain.crt'), [chainLeaf, intermediate]);
  await giveToServerUser([certDirectory], 0o755);
  await giveToServerUser([pgChainFile, chainLeaf.keyFile]);
  cluster = await createScratchPrimary('certificates', { ssl: true, ssl_cert_file: pgChainFile, ssl_key_file: chainLeaf.keyFile });
});

afterAll(async () => {
  await cluster?.destroy();
  await rm(certDirectory, { recursive: true, force: true });
});

afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});

async function start(config: Record<string, unknown>, collector: Parameters<typeof startTestExporter>[1]): Promise<TestExporter> {
  exporter = await startTestExporter(config, collector);
  return exporter;
}

it('registers the three collectors, scheduled every five minutes', () => {
  expect(registered).toEqual(expect.arrayContaining([tlsEndpoints, certificateFiles, pgCertFile]));
  expect(tlsEndpoints).toMatchObject({ name: 'tls_endpoints', mode: 'scheduled', targetKind: 'tls_endpoint', defaultSchedule: '*/5 * * * *', defaultTimeoutSeconds: 60 });
  expect(certificateFiles).toMatchObject({ name: 'cert_files', mode: 'scheduled', targetKind: 'cert_files', defaultSchedule: '*/5 * * * *', defaultTimeoutSeconds: 60 });
  expect(pgCertFile).toMatchObject({ name: 'pg_cert_file', mode: 'scheduled', targetKind: 'postgres', defaultSchedule: '*/5 * * * *' });
});

describe('tls_endpoints', () => {
  const servers: net.Server[] = [];
  const accepted = new Set<net.Socket>();

  async function listen(server: net.Server, port = 0): Promise<number> {
    servers.push(server);
    server.on('connection', (socket: net.Socket) => {
      accepted.add(socket);
      socket.on('close', () => accepted.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  /** A TLS server presenting `chain` (leaf first), or by SNI name the chain in `byName`. */
  function tlsServer(chain: readonly TestCertificate[], byName: Record<string, readonly TestCertificate[]> = {}): tls.Server {
    const credentials = (certs: readonly TestCertificate[]) => ({ key: certs[0]!.keyPem, cert: certs.map((c) => c.pem).join('') });
    const contexts = new Map(Object.entries(byName).map(([name, certs]) => [name, tls.createSecureContext(credentials(certs))]));
    const server = tls.createServer({
      ...credentials(chain),
      SNICallback: (name, done) => done(null, contexts.get(name)),
    });
    // The probe hangs up right after the handshake; the server side sees a reset.
    server.on('tlsClientError', () => undefined);
    return server;
  }

  async function stop(server: net.Server): Promise<void> {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  afterAll(async () => {
    await Promise.all(servers.map((s) => stop(s)));
  });

  const collector = createTlsEndpointsCollector({ probeTimeoutMs: PROBE_TIMEOUT_MS, maxConcurrentProbes: 4 });
  const at = (target: string) => ({ target, source: 'endpoint' });
  const certificates = (metrics: ParsedMetrics, target: string) =>
    metrics.find(tlsCertNotAfter.name, at(target)).map((s) => ({ position: s.labels.position, subject: s.labels.subject_cn, issuer: s.labels.issuer_cn, serial: s.labels.serial, path: s.labels.path, notAfter: s.value }));

  it('reads each endpoint as a client sees it; failures are probe_success 0 with a reason, quickly', async () => {
    const expiredPort = await listen(tlsServer([expired]));
    const soonPort = await listen(tlsServer([soon]));
    const chainPort = await listen(tlsServer([chainLeaf, intermediate]));
    const wrongHostPort = await listen(tlsServer([wrongHost]));
    const sniPort = await listen(tlsServer([alpha], { 'alpha.test': [alpha], 'beta.test': [beta] }));
    const silentPort = await listen(net.createServer((socket) => socket.resume()));
    const refusedPort = await listen(net.createServer());
    await stop(servers.pop()!);

    const endpoints = [
      { name: 'expired', host: '127.0.0.1', port: expiredPort, servername: 'localhost' },
      // No servername: the host is a name, so it is the SNI name and the name checked.
      { name: 'soon', host: 'localhost', port: soonPort },
      { name: 'chain', host: '127.0.0.1', port: chainPort },
      { name: 'wrong-host', host: '127.0.0.1', port: wrongHostPort, servername: 'localhost' },
      { name: 'sni-alpha', host: '127.0.0.1', port: sniPort, servername: 'alpha.test' },
      { name: 'sni-beta', host: '127.0.0.1', port: sniPort, servername: 'beta.test' },
      { name: 'pg', host: '127.0.0.1', port: cluster.port, protocol: 'postgres', servername: 'localhost' },
      { name: 'pg-plain', host: '127.0.0.1', port: harness().primary.port, protocol: 'postgres' },
      { name: 'refused', host: '127.0.0.1', port: refusedPort },
      { name: 'silent', host: '127.0.0.1', port: silentPort },
      { name: 'unresolvable', host: 'upkeep-test.invalid', port: 443 },
    ];
    const started = performance.now();
    const running = await start({ certificates: { endpoints }, collectors: { tls_endpoints: ON_DEMAND } }, { collectors: [collector] });
    await running.firstScheduledRuns;
    // Probes run side by side: the silent one's timeout bounds the lot.
    expect(performance.now() - started).toBeLessThan(PROBE_TIMEOUT_MS + 6000); // bounded, with room for a loaded machine

    const { metrics, text, elapsedMs, status } = await running.scrape();
    expect(status).toBe(200);
    expect(elapsedMs).toBeLessThan(5000); // served from the cache, never waiting on a probe
    for (const { name } of endpoints) expect(metrics.value(collectorSuccess.name, { collector: 'tls_endpoints', target: name }), name).toBe(1);

    expect(certificates(metrics, 'expired')).toEqual([{ position: '0', subject: 'localhost', issuer: ROOT_CN, serial: expired.serial, path: '', notAfter: expired.notAfter }]);
    expect(expired.notAfter).toBe(Date.parse('2020-03-01T00:00:00Z') / 1000);
    expect(metrics.value(tlsCertNotBefore.name, at('expired'))).toBe(Date.parse('2020-01-01T00:00:00Z') / 1000);
    expect(metrics.value(tlsCertVerified.name, at('expired'))).toBe(0);

    expect(metrics.value(tlsLeafCertExpiry.name, at('soon'))).toBe(soon.notAfter);
    expect(soon.notAfter).toBe(await opensslNotAfter(soon.certFile));
    expect(Math.abs(soon.notAfter - (Date.now() / 1000 + 5 * 86400))).toBeLessThan(600);
    expect(metrics.value(tlsCertHostnameMatch.name, at('soon'))).toBe(1);

    expect(certificates(metrics, 'chain')).toEqual([
      { position: '0', subject: 'localhost', issuer: INTERMEDIATE_CN, serial: chainLeaf.serial, path: '', notAfter: chainLeaf.notAfter },
      { position: '1', subject: INTERMEDIATE_CN, issuer: ROOT_CN, serial: intermediate.serial, path: '', notAfter: intermediate.notAfter },
    ]);
    expect(metrics.value(tlsLeafCertExpiry.name, at('chain'))).toBe(chainLeaf.notAfter);
    expect(metrics.value(tlsEarliestCertExpiry.name, at('chain'))).toBe(intermediate.notAfter);
    expect(intermediate.notAfter).toBeLessThan(chainLeaf.notAfter);

    expect(metrics.value(tlsCertHostnameMatch.name, at('wrong-host'))).toBe(0);
    expect(metrics.value(tlsCertHostnameMatch.name, at('expired'))).toBe(1);

    expect(certificates(metrics, 'sni-alpha').map((c) => [c.subject, c.notAfter])).toEqual([['alpha.test', alpha.notAfter]]);
    expect(certificates(metrics, 'sni-beta').map((c) => [c.subject, c.notAfter])).toEqual([['beta.test', beta.notAfter]]);
    expect(metrics.value(tlsCertHostnameMatch.name, at('sni-beta'))).toBe(1);

    expect(certificates(metrics, 'pg').map((c) => c.serial)).toEqual([chainLeaf.serial, intermediate.serial]);
    expect(metrics.value(tlsOffered.name, at('pg'))).toBe(1);
    expect(metrics.value(tlsCertHostnameMatch.name, at('pg'))).toBe(1);
    expect(metrics.value(tlsOffered.name, at('pg-plain'))).toBe(0);
    expect(metrics.value(tlsProbeSuccess.name, at('pg-plain'))).toBe(1);
    expect(metrics.has(tlsCertNotAfter.name, at('pg-plain'))).toBe(false);

    for (const name of ['expired', 'soon', 'chain', 'wrong-host', 'sni-alpha', 'sni-beta', 'pg', 'pg-plain']) {
      expect(metrics.value(tlsProbeSuccess.name, at(name)), name).toBe(1);
      expect(metrics.has(tlsProbeError.name, at(name)), name).toBe(false);
      expect(metrics.value(tlsProbeLastSuccess.name, at(name))).toBeGreaterThan(Date.now() / 1000 - 60);
    }
    for (const [name, reason] of [['refused', 'refused'], ['silent', 'timeout'], ['unresolvable', 'dns']] as const) {
      expect(metrics.value(tlsProbeSuccess.name, at(name)), name).toBe(0);
      expect(metrics.find(tlsProbeError.name, at(name)).map((s) => [s.labels.reason, s.value]), name).toEqual([[reason, 1]]);
      expect(metrics.has(tlsCertNotAfter.name, at(name)), name).toBe(false);
      expect(metrics.has(tlsProbeLastSuccess.name, at(name)), name).toBe(false);
    }
    const silentDuration = metrics.value(tlsProbeDuration.name, at('silent'));
    expect(silentDuration).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS / 1000 - 0.01);
    expect(silentDuration).toBeLessThan(PROBE_TIMEOUT_MS / 1000 + 5);
    expect(metrics.value(collectorDuration.name, { collector: 'tls_endpoints', target: 'refused' })).toBeLessThan(5);

    expect(running.captured.events('tls_endpoint.probe_failed').map((e) => [e.target, e.reason])).toEqual(
      expect.arrayContaining([
        ['refused', 'refused'],
        ['silent', 'timeout'],
        ['unresolvable', 'dns'],
      ]),
    );
    expect(running.captured.events('tls_endpoint.probe_failed')).toHaveLength(3);
    expect(running.captured.events('tls_endpoint.read').find((e) => e.target === 'wrong-host')).toMatchObject({ hostname: 'localhost', hostnameMatches: false });
    expect(running.captured.events('collector.failed')).toEqual([]);

    const lint = await promtoolCheckMetrics(text);
    expect(lint.output).toBe('');
    expect(lint.code).toBe(0);
  });

  it('a probe that starts failing keeps the last certificates beside probe_success 0, logs once, and recovers', async () => {
    const first = tlsServer([soon]);
    const port = await listen(first);
    const running = await start(
      { certificates: { endpoints: [{ name: 'flaky', host: '127.0.0.1', port, servername: 'localhost' }] }, collectors: { tls_endpoints: ON_DEMAND } },
      { collectors: [collector] },
    );
    await running.firstScheduledRuns;
    const before = (await running.scrape()).metrics;
    const readAt = before.value(tlsProbeLastSuccess.name, at('flaky'));
    expect(before.value(tlsLeafCertExpiry.name, at('flaky'))).toBe(soon.notAfter);

    await stop(first);
    await running.scheduled.refresh('tls_endpoints');
    await running.scheduled.refresh('tls_endpoints');
    const during = (await running.scrape()).metrics;
    expect(during.value(collectorSuccess.name, { collector: 'tls_endpoints', target: 'flaky' })).toBe(1);
    expect(during.value(tlsProbeSuccess.name, at('flaky'))).toBe(0);
    expect(during.find(tlsProbeError.name, at('flaky')).map((s) => s.labels.reason)).toEqual(['refused']);
    expect(during.value(tlsLeafCertExpiry.name, at('flaky'))).toBe(soon.notAfter);
    expect(certificates(during, 'flaky').map((c) => c.serial)).toEqual([soon.serial]);
    expect(during.value(tlsProbeLastSuccess.name, at('flaky'))).toBe(readAt);
    expect(running.captured.events('tls_endpoint.probe_failed')).toEqual([expect.objectContaining({ target: 'flaky', reason: 'refused' })]);
    expect(running.captured.events('tls_endpoint.still_failing')).toHaveLength(1);

    // Back on the same port, renewed: the new certificate replaces the old series.
    await listen(tlsServer([chainLeaf, intermediate]), port);
    await running.scheduled.refresh('tls_endpoints');
    const after = (await running.scrape()).metrics;
    expect(after.value(tlsProbeSuccess.name, at('flaky'))).toBe(1);
    expect(after.has(tlsProbeError.name, at('flaky'))).toBe(false);
    expect(certificates(after, 'flaky').map((c) => c.serial)).toEqual([chainLeaf.serial, intermediate.serial]);
    expect(after.value(tlsProbeLastSuccess.name, at('flaky'))).toBeGreaterThan(readAt);
    expect(running.captured.events('tls_endpoint.probe_recovered')).toEqual([expect.objectContaining({ target: 'flaky', after: 'refused' })]);
  });
});

describe('cert_files', () => {
  let filesDirectory: string;
  let swapDirectory: string;
  const fileAt = (name: string) => join(filesDirectory, name);

  beforeAll(async () => {
    filesDirectory = await temporaryDirectory('certificate-files-');
    await writeChain(fileAt('bundle.pem'), [chainLeaf, intermediate, root]);
    await writeFile(fileAt('garbage.crt'), 'not a certificate at all\n');
    // Unreadable even for root, which chmod 000 does not stop:
    await symlink(fileAt('deleted.pem'), fileAt('dangling.pem'));
    await symlink('loop.pem', fileAt('loop.pem'));
    await execFileAsync('mkfifo', [fileAt('fifo.crt')]);
    // A key beside the certificates, named like one: no certificate, and no error either.
    await writeFile(fileAt('privkey.pem'), chainLeaf.keyPem);

    // As Let's Encrypt lays them out, matched by a glob: the key is no error either.
    await mkdir(join(filesDirectory, 'live'));
    await writeChain(join(filesDirectory, 'live', 'fullchain.pem'), [chainLeaf, intermediate]);
    await writeFile(join(filesDirectory, 'live', 'privkey.pem'), chainLeaf.keyPem);

    swapDirectory = join(filesDirectory, 'swap');
    await mkdir(swapDirectory);
    await symlink(soon.certFile, join(swapDirectory, 'tls.crt'));
  });

  const at = (target: string, extra: Record<string, string> = {}) => ({ target, source: 'file', ...extra });
  const health = (target: string) => ({ collector: 'cert_files', target });
  const config = () => ({
    certificates: {
      files: [
        { name: 'local', paths: [filesDirectory] },
        { name: 'swap', paths: [join(swapDirectory, '*.crt')] },
        { name: 'nothing', paths: [join(filesDirectory, 'nothing-*.pem')] },
        { name: 'live', paths: [join(filesDirectory, 'live', '*.pem')] },
      ],
    },
    collectors: { cert_files: ON_DEMAND },
  });

  it('a bundle is a series per certificate; broken paths are reasons, not a failed run; a symlink swap is read on refresh', async () => {
    const running = await start(config(), { collectors: [certificateFiles] });
    await running.firstScheduledRuns;
    const { metrics, text, elapsedMs } = await running.scrape();
    expect(elapsedMs).toBeLessThan(5000); // served from the cache, never waiting on a probe
    for (const target of ['local', 'swap', 'nothing', 'live']) expect(metrics.value(collectorSuccess.name, health(target)), target).toBe(1);
    expect(metrics.find(tlsCertNotAfter.name, at('live'))).toHaveLength(2);
    expect(metrics.find(tlsFileError.name, at('live'))).toEqual([]);
    expect(metrics.value(collectorDuration.name, health('local'))).toBeLessThan(5);

    const bundle = metrics.find(tlsCertNotAfter.name, at('local', { path: fileAt('bundle.pem') }));
    expect(bundle.map((s) => [s.labels.position, s.labels.subject_cn, s.labels.issuer_cn, s.labels.serial, s.value])).toEqual([
      ['0', 'localhost', INTERMEDIATE_CN, chainLeaf.serial, chainLeaf.notAfter],
      ['1', INTERMEDIATE_CN, ROOT_CN, intermediate.serial, intermediate.notAfter],
      ['2', ROOT_CN, ROOT_CN, root.serial, root.notAfter],
    ]);
    expect(metrics.value(tlsCertNotBefore.name, at('local', { position: '2' }))).toBe(root.notBefore);
    // Only the bundle holds certificates.
    expect(metrics.find(tlsCertNotAfter.name, at('local'))).toHaveLength(3);
    expect(metrics.value(tlsEarliestCertExpiry.name, at('local'))).toBe(intermediate.notAfter);

    const problems = metrics.find(tlsFileError.name, at('local')).map((s) => [s.labels.path, s.labels.reason, s.value]);
    expect(problems).toEqual(
      expect.arrayContaining([
        [fileAt('garbage.crt'), 'unparsable', 1],
        [fileAt('dangling.pem'), 'not_found', 1],
        [fileAt('loop.pem'), 'unreadable', 1],
        [fileAt('fifo.crt'), 'not_a_file', 1],
      ]),
    );
    expect(problems).toHaveLength(4);
    expect(metrics.find(tlsFileError.name, at('nothing')).map((s) => [s.labels.path, s.labels.reason])).toEqual([[join(filesDirectory, 'nothing-*.pem'), 'no_match']]);
    expect(metrics.has(tlsEarliestCertExpiry.name, at('nothing'))).toBe(false);

    expect(metrics.value(tlsCertNotAfter.name, at('swap', { path: join(swapDirectory, 'tls.crt') }))).toBe(soon.notAfter);

    const lint = await promtoolCheckMetrics(text);
    expect(lint.output).toBe('');
    expect(lint.code).toBe(0);

    // Renewed through a symlink swap (a new link renamed over the old one, as Kubernetes does).
    await symlink(alpha.certFile, join(swapDirectory, 'tls.crt.next'));
    await rename(join(swapDirectory, 'tls.crt.next'), join(swapDirectory, 'tls.crt'));
    await running.scheduled.refresh('cert_files', 'swap');
    const swapped = await running.scrape();
    expect(swapped.metrics.find(tlsCertNotAfter.name, at('swap')).map((s) => [s.labels.subject_cn, s.value])).toEqual([['alpha.test', alpha.notAfter]]);
    expect(alpha.notAfter).not.toBe(soon.notAfter);
  });

  it('logs each broken path once, and once more when it is fixed', async () => {
    const running = await start(config(), { collectors: [certificateFiles] });
    await running.firstScheduledRuns;
    await running.scheduled.refresh('cert_files');
    await running.scheduled.refresh('cert_files');
    const problems = running.captured.events('cert_file.problem');
    expect(problems.map((e) => [e.target, e.path, e.reason])).toEqual(
      expect.arrayContaining([
        ['local', fileAt('garbage.crt'), 'unparsable'],
        ['local', fileAt('dangling.pem'), 'not_found'],
        ['local', fileAt('loop.pem'), 'unreadable'],
        ['local', fileAt('fifo.crt'), 'not_a_file'],
        ['nothing', join(filesDirectory, 'nothing-*.pem'), 'no_match'],
      ]),
    );
    expect(problems).toHaveLength(5);
    expect(problems.find((e) => e.path === fileAt('dangling.pem'))?.error).toBe(`${fileAt('dangling.pem')} is a symbolic link to ${fileAt('deleted.pem')}, which does not exist`);

    await copyFile(beta.certFile, fileAt('garbage.crt'));
    await running.scheduled.refresh('cert_files', 'local');
    const { metrics } = await running.scrape();
    expect(metrics.has(tlsFileError.name, at('local', { path: fileAt('garbage.crt') }))).toBe(false);
    expect(metrics.value(tlsCertNotAfter.name, at('local', { path: fileAt('garbage.crt') }))).toBe(beta.notAfter);
    expect(running.captured.events('cert_file.problem_cleared')).toEqual([expect.objectContaining({ target: 'local', path: fileAt('garbage.crt') })]);
    expect(running.captured.events('cert_file.problem')).toHaveLength(5);
    await writeFile(fileAt('garbage.crt'), 'not a certificate at all\n');
  });
});

describe('pg_cert_file', () => {
  const at = (target: string) => ({ target, source: 'postgres_file' });

  it("reads the local server's ssl_cert_file, and says once that a server without TLS has none", async () => {
    const running = await start(
      { postgres: [{ name: 'tls', dsn: cluster.dsn() }, { name: 'plain', dsn: harness().primary.dsn }], collectors: { pg_cert_file: ON_DEMAND } },
      { collectors: [pgCertFile] },
    );
    await running.firstScheduledRuns;
    await running.scheduled.refresh('pg_cert_file');
    const { metrics, text } = await running.scrape();
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_cert_file', target: 'tls' })).toBe(1);
    expect(metrics.find(tlsCertNotAfter.name, at('tls')).map((s) => [s.labels.path, s.labels.position, s.labels.serial, s.value])).toEqual([
      [pgChainFile, '0', chainLeaf.serial, chainLeaf.notAfter],
      [pgChainFile, '1', intermediate.serial, intermediate.notAfter],
    ]);
    expect(metrics.value(tlsLeafCertExpiry.name, at('tls'))).toBe(chainLeaf.notAfter);
    expect(metrics.value(tlsEarliestCertExpiry.name, at('tls'))).toBe(intermediate.notAfter);

    expect(metrics.value(collectorSuccess.name, { collector: 'pg_cert_file', target: 'plain' })).toBe(1);
    expect(metrics.samples.filter((s) => s.labels.target === 'plain' && s.name.startsWith('upkeep_tls_'))).toEqual([]);
    expect(running.captured.events('pg_cert_file.ssl_off')).toEqual([expect.objectContaining({ target: 'plain' })]);
    // postmaster.pid in data_directory (readable as root) proves the server is this host's.
    expect(running.captured.events('pg_cert_file.read')).toEqual([expect.objectContaining({ target: 'tls', path: pgChainFile, certificates: 2 })]);

    const lint = await promtoolCheckMetrics(text);
    expect(lint.output).toBe('');
  });

  it('a relative ssl_cert_file is read from the data directory', async () => {
    const relativeFile = join(cluster.dataDir, 'server-relative.crt');
    await writeChain(relativeFile, [chainLeaf]);
    await giveToServerUser([relativeFile]);
    await queryOnce(cluster.dsn(), `ALTER SYSTEM SET ssl_cert_file = 'server-relative.crt'`);
    await queryOnce(cluster.dsn(), 'SELECT pg_reload_conf()');
    try {
      const running = await start({ postgres: [{ name: 'tls', dsn: cluster.dsn() }], collectors: { pg_cert_file: ON_DEMAND } }, { collectors: [pgCertFile] });
      await eventually(async () => {
        await running.scheduled.refresh('pg_cert_file');
        return (await running.scrape()).metrics.has(tlsCertNotAfter.name, { ...at('tls'), path: relativeFile });
      }, 'the reloaded ssl_cert_file');
      const { metrics } = await running.scrape();
      expect(metrics.find(tlsCertNotAfter.name, at('tls')).map((s) => [s.labels.path, s.value])).toEqual([[relativeFile, chainLeaf.notAfter]]);
      expect(metrics.value(tlsEarliestCertExpiry.name, at('tls'))).toBe(chainLeaf.notAfter);
    } finally {
      await queryOnce(cluster.dsn(), 'ALTER SYSTEM RESET ssl_cert_file');
      await queryOnce(cluster.dsn(), 'SELECT pg_reload_conf()');
    }
  });
});
