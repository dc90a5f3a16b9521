/**
 * The TLS probe against real sockets on loopback: node TLS servers with
 * certificates made by openssl, and plain TCP servers that misbehave (never
 * answer, answer garbage, hang up). The PostgreSQL path against a real server
 * is in test/integration/pgTls.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServerCertificate, type TestCertificate } from '../../../test/harness/certificates.js';
import { probeTls, TlsProbeError, type TlsOffered, type TlsProbeOptions, type TlsProbeResult } from './tlsProbe.js';

let directory: string;
let ca: TestCertificate;
let leaf: TestCertificate;
const servers: net.Server[] = [];
/** Server-side sockets, destroyed after each test so closing the servers never waits on them. */
const accepted = new Set<net.Socket>();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'upkeep-tls-probe-'));
  ca = await createCertificateAuthority(directory, { name: 'ca', commonName: 'Upkeep Probe Test CA', days: 30 });
  leaf = await issueServerCertificate(directory, ca, { name: 'leaf', commonName: 'localhost', days: 10, altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

afterEach(async () => {
  for (const socket of accepted) socket.destroy();
  accepted.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen<S extends net.Server>(server: S): Promise<{ server: S; port: number }> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    accepted.add(socket);
    socket.on('close', () => accepted.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/**
 * A TLS server presenting leaf + CA. `sniNames` gets the SNI name of each
 * ClientHello that carries one: recorded before the server answers, so
 * complete by the time the client's handshake is.
 */
async function tlsServer(): Promise<{ port: number; sniNames: string[] }> {
  const sniNames: string[] = [];
  const credentials = { key: leaf.keyPem, cert: leaf.pem + ca.pem };
  const context = tls.createSecureContext(credentials);
  const server = tls.createServer({
    ...credentials,
    SNICallback: (name, done) => {
      sniNames.push(name);
      done(null, context);
    },
  });
  // A client that hangs up right after its side of the handshake makes the server socket emit ECONNRESET.
  server.on('tlsClientError', () => undefined);
  const { port } = await listen(server);
  return { port, sniNames };
}

/** A plain TCP server; `onConnection` decides what it says. */
async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  return listen(
    net.createServer((socket) => {
      socket.on('error', () => undefined);
      onConnection(socket);
      // Read (and drop) whatever is not consumed above: a stream that is not
      // read never sees the client's FIN, so it would never close.
      if (socket.listenerCount('data') === 0) socket.resume();
    }),
  );
}

function connections(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, count) => (err ? reject(err) : resolve(count))));
}

async function eventuallyNoConnections(server: net.Server): Promise<void> {
  const deadline = Date.now() + 2000;
  while ((await connections(server)) > 0) {
    if (Date.now() > deadline) throw new Error('the probe left its connection open');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function offered(result: TlsProbeResult): TlsOffered {
  if (!result.offered) throw new Error('expected the server to offer TLS');
  return result;
}

async function probeError(options: TlsProbeOptions): Promise<{ error: TlsProbeError; elapsedMs: number }> {
  const started = performance.now();
  const error = await probeTls(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsedMs = performance.now() - started;
  if (!(error instanceof TlsProbeError)) throw new Error(`expected a TlsProbeError, got ${String(error)}`);
  return { error, elapsedMs };
}

describe('plain TLS (protocol "tls")', () => {
  it('reads the whole chain, leaf first, and stops at the self-signed root', async () => {
    const { port, sniNames } = await tlsServer();
    const result = offered(await probeTls({ host: '127.0.0.1', port, protocol: 'tls', servername: 'localhost', timeoutMs: 5000 }));
    expect(result.chain).toEqual([
      {
        position: 0,
        subjectCn: 'localhost',
        issuerCn: 'Upkeep Probe Test CA',
        serial: leaf.serial,
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
        fingerprint256: leaf.fingerprint256,
        selfSigned: false,
      },
      {
        position: 1,
        subjectCn: 'Upkeep Probe Test CA',
        issuerCn: 'Upkeep Probe Test CA',
        serial: ca.serial,
        notBefore: ca.notBefore,
        notAfter: ca.notAfter,
        fingerprint256: ca.fingerprint256,
        selfSigned: true,
      },
    ]);
    // The test CA is in no system store.
    expect(result.verified).toBe(false);
    expect(result.verifyError).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(result).toMatchObject({ hostname: 'localhost', hostnameMatches: true, hostnameError: undefined });
    expect(sniNames).toEqual(['localhost']);
  });

  it('verifies against the given trust anchors', async () => {
    const { port } = await tlsServer();
    const result = offered(await probeTls({ host: '127.0.0.1', port, protocol: 'tls', servername: 'localhost', timeoutMs: 5000, ca: [ca.pem] }));
    expect(result.verified).toBe(true);
    expect(result.verifyError).toBeUndefined();
  });

  it('keeps a host name mismatch apart from chain verification', async () => {
    const { port, sniNames } = await tlsServer();
    const result = offered(await probeTls({ host: '127.0.0.1', port, protocol: 'tls', servername: 'db.example.org', timeoutMs: 5000, ca: [ca.pem] }));
    expect(result.verified).toBe(true);
    expect(result.hostnameMatches).toBe(false);
    expect(result.hostnameError).toContain('db.example.org');
    expect(sniNames).toEqual(['db.example.org']);
  });

  it('checks an IP address against the certificate without sending it as SNI', async () => {
    const { port, sniNames } = await tlsServer();
    const result = offered(await probeTls({ host: '127.0.0.1', port, protocol: 'tls', timeoutMs: 5000 }));
    expect(result).toMatchObject({ hostname: '127.0.0.1', hostnameMatches: true });
    expect(sniNames).toEqual([]);
  });

  it('a server that never starts the handshake fails within the timeout, and the socket is closed', async () => {
    const { server, port } = await tcpServer(() => undefined);
    const { error, elapsedMs } = await probeError({ host: '127.0.0.1', port, protocol: 'tls', timeoutMs: 500 });
    expect(error.message).toBe(`TLS probe of 127.0.0.1:${port} timed out after 0.5 s during the TLS handshake`);
    expect(error).toMatchObject({ stage: 'handshake', timedOut: true });
    expect(elapsedMs).toBeGreaterThanOrEqual(490);
    expect(elapsedMs).toBeLessThan(5000); // the server never answers: only the timeout ends it
    await eventuallyNoConnections(server);
  });

  it('a server that speaks something else fails the handshake with OpenSSL\'s reason', async () => {
    const { port } = await tcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const { error } = await probeError({ host: '127.0.0.1', port, protocol: 'tls', timeoutMs: 5000 });
    expect(error.stage).toBe('handshake');
    expect(error.timedOut).toBe(false);
    expect(error.message).toMatch(new RegExp(`^TLS probe of 127\\.0\\.0\\.1:${port} failed during the TLS handshake: .*(wrong version number|packet length too long)`));
  });
});

describe('PostgreSQL SSLRequest (protocol "postgres")', () => {
  it('sends exactly the 8-byte SSLRequest, and on S reads the chain over the same connection', async () => {
    const received: Buffer[] = [];
    const { port } = await tcpServer((socket) => {
      socket.once('data', (request: Buffer) => {
        received.push(request);
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, key: leaf.keyPem, cert: leaf.pem + ca.pem });
        secure.on('error', () => undefined);
      });
    });
    const result = offered(await probeTls({ host: '127.0.0.1', port, protocol: 'postgres', timeoutMs: 5000 }));
    expect(Buffer.concat(received)).toEqual(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
    expect(result.chain.map((c) => c.fingerprint256)).toEqual([leaf.fingerprint256, ca.fingerprint256]);
  });

  it('N means no TLS, and is not an error', async () => {
    const { server, port } = await tcpServer((socket) => socket.once('data', () => socket.write('N')));
    expect(await probeTls({ host: '127.0.0.1', port, protocol: 'postgres', timeoutMs: 5000 })).toEqual({ offered: false });
    await eventuallyNoConnections(server);
  });

  it('any other answer is a protocol error that names the byte', async () => {
    const { server, port } = await tcpServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const { error } = await probeError({ host: '127.0.0.1', port, protocol: 'postgres', timeoutMs: 5000 });
    expect(error.message).toBe(
      `TLS probe of 127.0.0.1:${port} failed while waiting for the answer to SSLRequest: the server answered 0x48 ('H') instead of S or N: is this a PostgreSQL server?`,
    );
    expect(error).toMatchObject({ stage: 'ssl_request', timedOut: false });
    await eventuallyNoConnections(server);
  });

  it('bytes after S, before the handshake, are refused', async () => {
    const { port } = await tcpServer((socket) => socket.once('data', () => socket.write('Sxyz')));
    const { error } = await probeError({ host: '127.0.0.1', port, protocol: 'postgres', timeoutMs: 5000 });
    expect(error.message).toContain('the server sent 3 unexpected bytes after S, before the handshake');
  });

  it('a server that hangs up instead of answering', async () => {
    const { port } = await tcpServer((socket) => socket.once('data', () => socket.end()));
    const { error } = await probeError({ host: '127.0.0.1', port, protocol: 'postgres', timeoutMs: 5000 });
    expect(error.message).toBe(`TLS probe of 127.0.0.1:${port} failed while waiting for the answer to SSLRequest: the server closed the connection`);
  });

  it('a server that accepts and never answers fails within the timeout, and the socket is closed', async () => {
    const { server, port } = await tcpServer(() => undefined);
    const { error, elapsedMs } = await probeError({ host: '127.0.0.1', port, protocol: 'postgres', timeoutMs: 300 });
    expect(error.message).toBe(`TLS probe of 127.0.0.1:${port} timed out after 0.3 s while waiting for the answer to SSLRequest`);
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(5000); // the server never answers: only the timeout ends it
    await eventuallyNoConnections(server);
  });
});

describe('connecting and cancelling', () => {
  it('a closed port fails at connect', async () => {
    const { server, port } = await tcpServer(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const { error } = await probeError({ host: '127.0.0.1', port, protocol: 'postgres', timeoutMs: 5000 });
    expect(error.stage).toBe('connect');
    expect(error.message).toBe(`TLS probe of 127.0.0.1:${port} failed while connecting: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('an unknown host fails at connect (DNS is inside the probe)', async () => {
    const { error } = await probeError({ host: 'upkeep-no-such-host.invalid', port: 5432, protocol: 'postgres', timeoutMs: 5000 });
    expect(error.stage).toBe('connect');
    // ENOTFOUND with a resolver, EAI_AGAIN without one: either way getaddrinfo's own words.
    expect(error.message).toMatch(/getaddrinfo (ENOTFOUND|EAI_AGAIN) upkeep-no-such-host\.invalid/);
  });

  it('the caller\'s abort stops the probe at once with the caller\'s reason and closes the socket', async () => {
    const { server, port } = await tcpServer(() => undefined);
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = performance.now();
    await expect(probeTls({ host: '127.0.0.1', port, protocol: 'postgres', timeoutMs: 10_000, signal: controller.signal })).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(5000); // well before the 10 s timeout
    await eventuallyNoConnections(server);
  });

  it('an already aborted signal does not connect at all', async () => {
    const { server, port } = await tcpServer(() => undefined);
    let connectionsAccepted = 0;
    server.on('connection', () => connectionsAccepted++);
    const reason = new Error('already over');
    await expect(probeTls({ host: '127.0.0.1', port, protocol: 'tls', timeoutMs: 5000, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(connectionsAccepted).toBe(0);
  });
});
