/**
 * TLS endpoints (`certificates.endpoints[]`): the certificate chain a client
 * sees at host:port, with SNI (`servername`, else the host when it is a
 * name), directly (`protocol: tls`) or after PostgreSQL's SSLRequest
 * (`protocol: postgres`). Scheduled: a probe is a fresh connection and
 * handshake, and certificates change rarely.
 *
 * A probe that fails (DNS, refused, unreachable, timeout, handshake) is a
 * fact about the endpoint, not a failure of the collector: the run succeeds
 * with upkeep_tls_probe_success 0 and a reason, and the failure is logged
 * once when it starts or changes.
 *
 * While probes fail, the certificate series of the last successful probe
 * stay, with upkeep_tls_probe_last_success_timestamp_seconds saying when
 * they were read: an endpoint that is down for a minute must not resolve an
 * "expires in 3 days" alert, and the certificate it served has not changed
 * by being unreachable. This is what every scheduled collector does with its
 * last good run (pg_tls included); the last reading lives in memory, so a
 * restart forgets it. A PostgreSQL server that answers N to SSLRequest is a
 * successful probe without certificates: its old series go.
 *
 * Per run: one probe of the target under PROBE_TIMEOUT_MS; probes across
 * all endpoints run at most MAX_CONCURRENT_PROBES at a time.
 */
import { performance } from 'node:perf_hooks';
import { errorMessage, type Logger } from '../log.js';
import { Limiter } from '../limiter.js';
import {
  emitTlsProbe,
  tlsEndpointFamilies,
  tlsProbeDuration,
  tlsProbeError,
  tlsProbeLastSuccess,
  tlsProbeSuccess,
} from '../metrics/tlsFamilies.js';
import type { TlsEndpointTarget } from '../targets/staticTargets.js';
import { probeTls, TlsProbeError, type TlsProbeResult } from '../targets/tlsProbe.js';
import { perTarget } from './perTarget.js';
import { scheduledCollector, type ScheduledCollector } from './types.js';

export type ProbeFailureReason = 'dns' | 'refused' | 'unreachable' | 'timeout' | 'closed' | 'protocol' | 'handshake' | 'error';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'ENODATA', 'ESERVFAIL', 'ETIMEOUT']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const CLOSED_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** A bounded reason for a failed probe, for the `reason` label. */
export function probeFailureReason(error: unknown): ProbeFailureReason {
  if (!(error instanceof TlsProbeError)) return 'error';
  if (error.timedOut) return 'timeout';
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && DNS_CODES.has(code)) return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return 'unreachable';
  // Anything going wrong once the handshake started (an alert, a reset, a hang-up) is the handshake failing.
  if (error.stage === 'handshake') return 'handshake';
  if (code !== undefined && CLOSED_CODES.has(code)) return 'closed';
  // No answer PostgreSQL would give: something else listens there.
  if (error.stage === 'ssl_request' && code === undefined) return 'protocol';
  if (code === undefined) return 'closed';
  return 'error';
}

interface EndpointState {
  /** The last successful probe and when it ended (Unix seconds). */
  lastRead: { result: TlsProbeResult; at: number } | undefined;
  /** The failure reason last logged; undefined while probes succeed. */
  failing: ProbeFailureReason | undefined;
  /** What the last success logged (verification, host name, leaf), to log changes only. */
  situation: string | undefined;
}

export interface TlsEndpointsOptions {
  /** Bounds one probe: DNS, connect, SSLRequest and handshake. */
  probeTimeoutMs: number;
  /** Probes under way at once, across every endpoint. */
  maxConcurrentProbes: number;
}

export const PROBE_TIMEOUT_MS = 10_000;
export const MAX_CONCURRENT_PROBES = 8;

/** The collector with its limits; tests make one with a shorter probe timeout. */
export function createTlsEndpointsCollector(options: TlsEndpointsOptions): ScheduledCollector<'tls_endpoint'> {
  const limiter = new Limiter(options.maxConcurrentProbes);
  const stateOf = perTarget((_target: TlsEndpointTarget): EndpointState => ({ lastRead: undefined, failing: undefined, situation: undefined }));

  return scheduledCollector({
    name: 'tls_endpoints',
    description: 'Certificate chains of TLS endpoints (directly or after PostgreSQL\'s SSLRequest): probe success and reason, expiry, verification, host name.',
    mode: 'scheduled',
    targetKind: 'tls_endpoint',
    families: tlsEndpointFamilies,
    defaultSchedule: '*/5 * * * *',
    defaultTimeoutSeconds: 60,
    async collect({ target, emit, signal, log }) {
      const { host, port, protocol, servername } = target.config;
      const outcome = await limiter.run(async () => {
        signal.throwIfAborted();
        const started = performance.now();
        try {
          const result = await probeTls({ host, port, protocol, servername, timeoutMs: options.probeTimeoutMs, signal });
          return { ok: true as const, result, seconds: (performance.now() - started) / 1000 };
        } catch (error) {
          // Out of time for the whole run: the framework discards it.
          signal.throwIfAborted();
          return { ok: false as const, error, seconds: (performance.now() - started) / 1000 };
        }
      });

      const state = stateOf(target);
      const source = 'endpoint';
      emit(tlsProbeSuccess, { source }, outcome.ok ? 1 : 0);
      emit(tlsProbeDuration, { source }, outcome.seconds);
      if (outcome.ok) {
        state.lastRead = { result: outcome.result, at: Date.now() / 1000 };
        logSuccess(state, outcome.result, log);
      } else {
        const reason = probeFailureReason(outcome.error);
        emit(tlsProbeError, { source, reason }, 1);
        logFailure(state, reason, outcome.error, log);
      }
      if (state.lastRead) {
        emitTlsProbe(emit, source, state.lastRead.result);
        emit(tlsProbeLastSuccess, { source }, state.lastRead.at);
      }
    },
  });
}

function logFailure(state: EndpointState, reason: ProbeFailureReason, error: unknown, log: Logger): void {
  const fields = { reason, error: errorMessage(error), certificatesFrom: state.lastRead ? new Date(state.lastRead.at * 1000).toISOString() : undefined };
  if (state.failing === reason) log.debug('tls_endpoint.still_failing', fields);
  else log.warn('tls_endpoint.probe_failed', fields);
  state.failing = reason;
}

function logSuccess(state: EndpointState, result: TlsProbeResult, log: Logger): void {
  if (state.failing !== undefined) log.info('tls_endpoint.probe_recovered', { after: state.failing });
  state.failing = undefined;
  if (!result.offered) {
    if (state.situation !== 'not_offered') log.info('tls_endpoint.not_offered', { message: 'the server runs without TLS (it answered N to SSLRequest)' });
    state.situation = 'not_offered';
    return;
  }
  const { verified, verifyError, hostname, hostnameMatches, hostnameError } = result;
  const leaf = result.chain[0];
  // A renewal (new leaf) is worth one line too.
  const situation = JSON.stringify([verifyError, hostnameError, leaf?.fingerprint256]);
  if (state.situation !== situation) {
    log.info('tls_endpoint.read', {
      verified,
      verifyError,
      hostname,
      hostnameMatches,
      hostnameError,
      certificates: result.chain.length,
      leafNotAfter: leaf ? new Date(leaf.notAfter * 1000).toISOString() : undefined,
    });
  }
  state.situation = situation;
}

export const tlsEndpoints = createTlsEndpointsCollector({ probeTimeoutMs: PROBE_TIMEOUT_MS, maxConcurrentProbes: MAX_CONCURRENT_PROBES });
