/**
 * Reads a server's TLS certificate chain the way a client sees it: TCP
 * connect, for PostgreSQL the SSLRequest first (the server answers `S` or
 * `N` before any TLS is spoken), then the handshake. Verification never stops
 * the handshake (an expired or untrusted certificate is exactly what we want
 * to read); whether the chain and the host name check out is reported beside
 * the chain instead.
 *
 * The whole probe (DNS, connect, SSLRequest, handshake) runs under one
 * deadline and the caller's AbortSignal, and every socket is destroyed when it
 * ends, however it ends.
 */
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { certificateFacts, type CertificateFacts } from './certificateFacts.js';

/** `tls`: the handshake starts at once (HTTPS and the like); `postgres`: SSLRequest first. */
export type TlsProbeProtocol = 'tls' | 'postgres';

export interface TlsProbeOptions {
  host: string;
  port: number;
  protocol: TlsProbeProtocol;
  /**
   * Sent as SNI and checked against the certificate. Defaults to `host`; an
   * IP address is checked against the certificate but never sent as SNI
   * (Node deprecates that, and TLS forbids it).
   */
  servername?: string;
  /** Bounds the whole probe: DNS, connect, SSLRequest and handshake. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Trust anchors (PEM) to verify the chain against instead of the system's CAs. */
  ca?: string | string[];
}

/** A certificate of the presented chain: `position` 0 is the server's own, then each issuer in turn. */
export interface ProbedCertificate extends CertificateFacts {
  selfSigned: boolean;
}

export interface TlsNotOffered {
  /** The PostgreSQL server answered `N`: it runs without TLS. */
  offered: false;
}

export interface TlsOffered {
  offered: true;
  /**
   * The chain as Node reads it from the handshake: the certificates the server
   * sent, ordered from the leaf by issuer, completed with the trust store's
   * root when the server stops short of one. Empty if the server sent none.
   */
  chain: ProbedCertificate[];
  /** The chain leads to a trusted CA (the system's, or `ca` when given). */
  verified: boolean;
  /** OpenSSL's reason when not verified, e.g. `SELF_SIGNED_CERT_IN_CHAIN`, `CERT_HAS_EXPIRED`. */
  verifyError: string | undefined;
  /** The name the leaf was checked against: `servername`, else `host`. */
  hostname: string;
  hostnameMatches: boolean;
  hostnameError: string | undefined;
}

export type TlsProbeResult = TlsNotOffered | TlsOffered;

export type TlsProbeStage = 'connect' | 'ssl_request' | 'handshake';

const STAGE_TEXT: Record<TlsProbeStage, string> = {
  connect: 'while connecting',
  ssl_request: 'while waiting for the answer to SSLRequest',
  handshake: 'during the TLS handshake',
};

export class TlsProbeError extends Error {
  constructor(
    message: string,
    readonly stage: TlsProbeStage,
    readonly timedOut: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TlsProbeError';
  }
}

/** Int32 length 8, Int32 code 80877103 (1234 << 16 | 5679): "please speak TLS". */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const ANSWER_TLS = 0x53; // 'S'
const ANSWER_NO_TLS = 0x4e; // 'N'
const ANSWER_ERROR = 0x45; // 'E'

export async function probeTls(options: TlsProbeOptions): Promise<TlsProbeResult> {
  options.signal?.throwIfAborted();
  const where = net.isIPv6(options.host) ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  const attempt = new ProbeAttempt(where, options.timeoutMs, options.signal);
  try {
    const raw = attempt.watch(net.connect({ host: options.host, port: options.port }));
    await attempt.race(new Promise<void>((resolve) => raw.once('connect', resolve)));

    if (options.protocol === 'postgres') {
      attempt.stage = 'ssl_request';
      const answer = await attempt.race(askForTls(raw, where));
      if (answer === 'N') return { offered: false };
    }

    attempt.stage = 'handshake';
    const hostname = options.servername ?? options.host;
    const secure = attempt.watch(
      tls.connect({
        socket: raw,
        ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
        // Read whatever the server presents; verification is reported, not enforced.
        rejectUnauthorized: false,
        // Node folds a host name mismatch into `authorized`; keep the two
        // apart (describeSession checks the name itself).
        checkServerIdentity: () => undefined,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
      }),
    );
    await attempt.race(new Promise<void>((resolve) => secure.once('secureConnect', resolve)));
    return describeSession(secure, hostname);
  } finally {
    attempt.end();
  }
}

/**
 * One probe's deadline, abort signal, sockets and stage. Every wait races
 * against `stopped`, which rejects on the first socket error, a premature
 * close, the deadline or the caller's abort.
 */
class ProbeAttempt {
  stage: TlsProbeStage = 'connect';
  private readonly sockets: net.Socket[] = [];
  private readonly stopped: Promise<never>;
  private rejectStopped: (error: unknown) => void = () => undefined;
  private finished = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = () => this.stop(this.signal?.reason);

  constructor(
    private readonly where: string,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.stopped = new Promise<never>((_, reject) => {
      this.rejectStopped = reject;
    });
    // Rejecting while no wait is racing must not count as unhandled.
    this.stopped.catch(() => undefined);
    this.timer = setTimeout(() => {
      const seconds = (this.timeoutMs / 1000).toFixed(1);
      this.stop(new TlsProbeError(`TLS probe of ${this.where} timed out after ${seconds} s ${STAGE_TEXT[this.stage]}`, this.stage, true));
    }, Math.max(0, timeoutMs));
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  watch<S extends net.Socket>(socket: S): S {
    this.sockets.push(socket);
    socket.on('error', (error) => this.fail(error.message, error));
    socket.on('close', () => this.fail('the server closed the connection'));
    return socket;
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.stopped]);
  }

  fail(detail: string, cause?: Error): void {
    this.stop(new TlsProbeError(`TLS probe of ${this.where} failed ${STAGE_TEXT[this.stage]}: ${detail}`, this.stage, false, { cause }));
  }

  /** Clears the deadline and destroys every socket; later events are ignored. */
  end(): void {
    this.finished = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    // Outermost first: destroying a socket while a TLSSocket still wraps it
    // crashes Node 20 (segmentation fault), so the TLS layer goes before the TCP one.
    for (const socket of [...this.sockets].reverse()) socket.destroy();
  }

  private stop(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.rejectStopped(error);
  }
}

/** Sends SSLRequest and reads the one-byte answer. */
function askForTls(socket: net.Socket, where: string): Promise<'S' | 'N'> {
  return new Promise((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => {
      const code = chunk[0];
      if (code === ANSWER_NO_TLS) {
        resolve('N');
      } else if (code === ANSWER_TLS && chunk.length === 1) {
        resolve('S');
      } else if (code === ANSWER_TLS) {
        // Bytes before the handshake could be injected by anyone on the path
        // (CVE-2021-23214); a real server never sends them.
        reject(protocolError(where, `the server sent ${chunk.length - 1} unexpected bytes after S, before the handshake`));
      } else {
        const hint = code === ANSWER_ERROR ? ' (a PostgreSQL error message)' : ': is this a PostgreSQL server?';
        reject(protocolError(where, `the server answered ${describeByte(code)} instead of S or N${hint}`));
      }
    });
    socket.write(SSL_REQUEST);
  });
}

function protocolError(where: string, detail: string): TlsProbeError {
  return new TlsProbeError(`TLS probe of ${where} failed ${STAGE_TEXT.ssl_request}: ${detail}`, 'ssl_request', false);
}

function describeByte(code: number | undefined): string {
  if (code === undefined) return 'nothing';
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return code >= 0x20 && code < 0x7f ? `${hex} ('${String.fromCharCode(code)}')` : hex;
}

function describeSession(socket: tls.TLSSocket, hostname: string): TlsOffered {
  const leaf = socket.getPeerCertificate(true);
  const chain = chainFrom(leaf);
  const identityError = chain.length > 0 ? tls.checkServerIdentity(hostname, leaf) : new Error('the server sent no certificate');
  return {
    offered: true,
    chain,
    verified: socket.authorized,
    verifyError: socket.authorized ? undefined : errorText(socket.authorizationError),
    hostname,
    hostnameMatches: identityError === undefined,
    hostnameError: identityError?.message,
  };
}

/** Node types it as an Error; at run time it is OpenSSL's code as a string. */
function errorText(error: Error | string | undefined): string | undefined {
  if (error === undefined) return undefined;
  return typeof error === 'string' ? error : error.message;
}

/**
 * Follows `issuerCertificate` from the leaf. A self-signed root is its own
 * issuer, so the walk stops at a certificate it has already seen.
 */
function chainFrom(leaf: tls.DetailedPeerCertificate): ProbedCertificate[] {
  const chain: ProbedCertificate[] = [];
  const seen = new Set<string>();
  // An empty object stands for "no certificate"; the last issuer may be missing.
  let current: tls.DetailedPeerCertificate | undefined = leaf;
  while (current?.raw !== undefined && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(describeCertificate(current, chain.length));
    current = current.issuerCertificate;
  }
  return chain;
}

function describeCertificate(cert: tls.DetailedPeerCertificate, position: number): ProbedCertificate {
  const x509 = new X509Certificate(cert.raw);
  return {
    ...certificateFacts(x509, position),
    // Same name is not enough (a CA can reissue under its own name): the key must sign it too.
    selfSigned: x509.checkIssued(x509) && x509.verify(x509.publicKey),
  };
}
