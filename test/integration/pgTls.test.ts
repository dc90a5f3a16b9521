/**
 * The pg_tls collector against real servers: a scratch PostgreSQL with TLS on
 * (certificates made by openssl, the CA expiring before the server
 * certificate), the harness primary without TLS, a Unix-socket DSN, and TCP
 * servers that never answer or answer garbage.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { collectors as registered } from '../../exporter/src/collectors/index.js';
import { pgTls } from '../../exporter/src/collectors/pgTls.js';
import { serverAddress } from '../../exporter/src/targets/serverAddress.js';
import { collectorDuration, collectorSuccess } from '../../exporter/src/metrics/exporterFamilies.js';
import {
  tlsCertHostnameMatch,
  tlsCertNotAfter,
  tlsCertNotBefore,
  tlsCertVerified,
  tlsEarliestCertExpiry,
  tlsLeafCertExpiry,
  tlsFamilies,
  tlsOffered,
} from '../../exporter/src/metrics/tlsFamilies.js';
import { probeTls } from '../../exporter/src/targets/tlsProbe.js';
import {
  createCertificateAuthority,
  giveToServerUser,
  issueServerCertificate,
  opensslNotAfter,
  writeChain,
  type TestCertificate,
} from '../harness/certificates.js';
import { createScratchPrimary, eventually, harness, promtoolCheckMetrics, startTestExporter, type TestExporter } from '../harness/index.js';

const CA_NAME = 'Upkeep Test CA';

let certDirectory: string;
let ca: TestCertificate;
let server: TestCertificate;
let cluster: Awaited<ReturnType<typeof createScratchPrimary>>;
let exporter: TestExporter | undefined;

beforeAll(async () => {
  certDirectory = await mkdtemp(join(harness().runDir, 'pg-tls-certificates-'));
  // The CA expires first, so the earliest expiry is not simply the leaf's.
  ca = await createCertificateAuthority(certDirectory, { name: 'ca', commonName: CA_NAME, days: 7 });
  server = await issueServerCertificate(certDirectory, ca, { name: 'server', commonName: 'localhost', days: 90, altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
  const chainFile = await writeChain(join(certDirectory, 'server-chain.crt'), [server, ca]);
  await giveToServerUser([certDirectory], 0o700);
  await giveToServerUser([chainFile, server.keyFile]);
  cluster = await createScratchPrimary('tls', { ssl: true, ssl_cert_file: chainFile, ssl_key_file: server.keyFile });
});

afterAll(async () => {
  await cluster?.destroy();
  await rm(certDirectory, { recursive: true, force: true });
});

afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});

/** An exporter with only pg_tls, so other collectors' work does not blur its runs and logs. */
async function exporterFor(postgres: Record<string, unknown>[]): Promise<TestExporter> {
  exporter = await startTestExporter({ postgres }, { collectors: [pgTls] });
  return exporter;
}

async function waitForFirstRun(running: TestExporter, target: string): Promise<void> {
  await eventually(async () => (await running.scrape()).metrics.has(collectorSuccess.name, { collector: 'pg_tls', target }), `the first pg_tls run for ${target}`);
}

it('is registered as a scheduled collector with every TLS family', () => {
  expect(registered).toContain(pgTls);
  expect(pgTls).toMatchObject({ mode: 'scheduled', targetKind: 'postgres', defaultSchedule: '*/5 * * * *', defaultTimeoutSeconds: 15 });
  expect(pgTls.families).toEqual(tlsFamilies);
});

describe('a PostgreSQL server with TLS', () => {
  it('exports each certificate of the chain it presents, the earliest expiry, and how it checks out', async () => {
    const running = await exporterFor([{ name: 'tls', dsn: cluster.dsn() }]);
    await waitForFirstRun(running, 'tls');
    const { metrics, text } = await running.scrape();

    expect(metrics.value(collectorSuccess.name, { collector: 'pg_tls', target: 'tls' })).toBe(1);
    expect(metrics.value(tlsOffered.name, { target: 'tls', source: 'postgres' })).toBe(1);
    const leafLabels = { target: 'tls', source: 'postgres', position: '0', subject_cn: 'localhost', issuer_cn: CA_NAME, serial: server.serial };
    const caLabels = { target: 'tls', source: 'postgres', position: '1', subject_cn: CA_NAME, issuer_cn: CA_NAME, serial: ca.serial };
    expect(metrics.find(tlsCertNotAfter.name, { target: 'tls' })).toHaveLength(2);
    expect(metrics.value(tlsCertNotAfter.name, leafLabels)).toBe(server.notAfter);
    // The same instant as openssl reads it, and -days 90 from when the test made it.
    expect(server.notAfter).toBe(await opensslNotAfter(server.certFile));
    expect(Math.abs(server.notAfter - (Date.now() / 1000 + 90 * 86400))).toBeLessThan(600);
    expect(metrics.value(tlsCertNotBefore.name, leafLabels)).toBe(server.notBefore);
    expect(metrics.value(tlsCertNotAfter.name, caLabels)).toBe(ca.notAfter);
    expect(metrics.value(tlsCertNotBefore.name, caLabels)).toBe(ca.notBefore);
    expect(ca.notAfter).toBeLessThan(server.notAfter);
    expect(metrics.value(tlsEarliestCertExpiry.name, { target: 'tls', source: 'postgres' })).toBe(ca.notAfter);
    expect(metrics.value(tlsLeafCertExpiry.name, { target: 'tls', source: 'postgres' })).toBe(server.notAfter);
    // The test CA is in no system store; the DSN's 127.0.0.1 is in the certificate's names.
    expect(metrics.value(tlsCertVerified.name, { target: 'tls', source: 'postgres' })).toBe(0);
    expect(metrics.value(tlsCertHostnameMatch.name, { target: 'tls', source: 'postgres' })).toBe(1);

    expect(metrics.help.get(tlsCertNotAfter.name)).toContain('Cached: refreshed by the pg_tls collector on schedule "*/5 * * * *"');
    const lint = await promtoolCheckMetrics(text);
    expect(lint.output).toBe('');
    expect(lint.code).toBe(0);
    expect(metrics.value(collectorDuration.name, { collector: 'pg_tls', target: 'tls' })).toBeLessThan(5);

    expect(running.captured.events('pg_tls.offered')).toEqual([
      expect.objectContaining({ target: 'tls', verified: false, verifyError: 'SELF_SIGNED_CERT_IN_CHAIN', hostname: '127.0.0.1', hostnameMatches: true, certificates: 2 }),
    ]);
  });

  it('verifies against the CA that signed it, through SSLRequest, when given that CA', async () => {
    const result = await probeTls({ host: '127.0.0.1', port: cluster.port, protocol: 'postgres', servername: 'localhost', timeoutMs: 5000, ca: ca.pem });
    expect(result).toMatchObject({ offered: true, verified: true, verifyError: undefined, hostname: 'localhost', hostnameMatches: true });
  });
});

describe('servers without TLS to read', () => {
  it('the harness primary (ssl off) reports upkeep_tls_offered 0, no certificates, and says so in the log once', async () => {
    const running = await exporterFor([{ name: 'primary', dsn: harness().primary.dsn }]);
    await waitForFirstRun(running, 'primary');
    await running.scheduled.refresh('pg_tls');
    await running.scheduled.refresh('pg_tls');
    const { metrics } = await running.scrape();
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_tls', target: 'primary' })).toBe(1);
    expect(metrics.value(tlsOffered.name, { target: 'primary', source: 'postgres' })).toBe(0);
    for (const family of [tlsCertNotAfter, tlsCertNotBefore, tlsEarliestCertExpiry, tlsLeafCertExpiry, tlsCertVerified, tlsCertHostnameMatch]) {
      expect(metrics.has(family.name), family.name).toBe(false);
    }
    expect(running.captured.events('pg_tls.not_offered')).toHaveLength(1);
    expect(running.captured.events('collector.failed')).toEqual([]);
  });

  it('a Unix-socket DSN emits nothing, succeeds, and says so in the log once', async () => {
    const dsn = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(join(harness().runDir, 'no-socket-here'))}`;
    const running = await exporterFor([{ name: 'local', dsn }]);
    await waitForFirstRun(running, 'local');
    await running.scheduled.refresh('pg_tls');
    const { metrics } = await running.scrape();
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_tls', target: 'local' })).toBe(1);
    expect(metrics.samples.filter((s) => s.name.startsWith('upkeep_tls_'))).toEqual([]);
    const notices = running.captured.events('pg_tls.unix_socket');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ target: 'local', directory: join(harness().runDir, 'no-socket-here') });
  });
});

describe('servers that misbehave', () => {
  const fakes: net.Server[] = [];
  const accepted = new Set<net.Socket>();

  async function fakeServer(onConnection: (socket: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
    const server = net.createServer((socket) => {
      accepted.add(socket);
      socket.on('close', () => accepted.delete(socket));
      socket.on('error', () => undefined);
      onConnection(socket);
      // Consume what is left unread, so the client's FIN is seen and the socket closes.
      if (socket.listenerCount('data') === 0) socket.resume();
    });
    fakes.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as net.AddressInfo).port };
  }

  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await Promise.all(fakes.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('a server that never answers fails the run within the timeout, without holding up the scrape', async () => {
    const { port } = await fakeServer(() => undefined);
    const running = await exporterFor([{ name: 'silent', dsn: `postgresql://postgres:s3cret-pw@127.0.0.1:${port}/postgres`, connectTimeoutSeconds: 1 }]);
    const started = performance.now();
    await running.firstScheduledRuns;
    expect(performance.now() - started).toBeLessThan(3000);

    const scrape = await running.scrape();
    expect(scrape.status).toBe(200);
    expect(scrape.elapsedMs).toBeLessThan(3000);
    expect(scrape.metrics.value(collectorSuccess.name, { collector: 'pg_tls', target: 'silent' })).toBe(0);
    const duration = scrape.metrics.value(collectorDuration.name, { collector: 'pg_tls', target: 'silent' });
    expect(duration).toBeGreaterThanOrEqual(0.99);
    expect(duration).toBeLessThan(2);
    expect(scrape.metrics.has(tlsOffered.name, { target: 'silent' })).toBe(false);
    expect(running.captured.events('collector.failed')).toEqual([
      expect.objectContaining({
        collector: 'pg_tls',
        target: 'silent',
        error: `TLS probe of 127.0.0.1:${port} timed out after 1.0 s while waiting for the answer to SSLRequest`,
      }),
    ]);
    // The DSN carries the password: it must not reach the log.
    expect(JSON.stringify(running.captured.lines)).not.toContain('s3cret-pw');
  });

  it('a server that answers garbage to SSLRequest fails the run with a clear error', async () => {
    const { port } = await fakeServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const running = await exporterFor([{ name: 'garbage', dsn: `postgresql://postgres@127.0.0.1:${port}/postgres`, connectTimeoutSeconds: 1 }]);
    await running.firstScheduledRuns;
    const { metrics } = await running.scrape();
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_tls', target: 'garbage' })).toBe(0);
    expect(running.captured.events('collector.failed')).toEqual([
      expect.objectContaining({
        collector: 'pg_tls',
        target: 'garbage',
        error: `TLS probe of 127.0.0.1:${port} failed while waiting for the answer to SSLRequest: the server answered 0x48 ('H') instead of S or N: is this a PostgreSQL server?`,
        timeout: false,
      }),
    ]);
  });
});

describe('where the server is, from the DSN', () => {
  beforeAll(() => {
    // pg falls back to these; the tests set them where they matter.
    vi.stubEnv('PGHOST', '');
    vi.stubEnv('PGPORT', '');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['postgresql://upkeep:pw@db.example.com:6543/app', { kind: 'tcp', host: 'db.example.com', port: 6543 }],
    ['postgresql://upkeep@db.example.com/app', { kind: 'tcp', host: 'db.example.com', port: 5432 }],
    ['postgresql://upkeep@[::1]:5433/app', { kind: 'tcp', host: '::1', port: 5433 }],
    ['postgresql:///app', { kind: 'tcp', host: 'localhost', port: 5432 }],
    ['postgresql://upkeep@localhost/app?host=/run/postgresql', { kind: 'socket', directory: '/run/postgresql' }],
    ['postgresql://%2Frun%2Fpostgresql/app', { kind: 'socket', directory: '/run/postgresql' }],
    // The ssl* parameters are not read: a missing root certificate file changes nothing here.
    ['postgresql://upkeep@db.example.com/app?sslmode=verify-full&sslrootcert=/nonexistent/root.crt', { kind: 'tcp', host: 'db.example.com', port: 5432 }],
  ] as const)('%s', (dsn, expected) => {
    expect(serverAddress(dsn)).toEqual(expected);
  });

  it('falls back to PGHOST and PGPORT like pg does', () => {
    vi.stubEnv('PGHOST', 'pg.internal');
    vi.stubEnv('PGPORT', '6000');
    expect(serverAddress('postgresql:///app')).toEqual({ kind: 'tcp', host: 'pg.internal', port: 6000 });
    vi.stubEnv('PGHOST', '/var/run/postgresql');
    expect(serverAddress('postgresql:///app')).toEqual({ kind: 'socket', directory: '/var/run/postgresql' });
  });
});
