/**
 * The PostgreSQL server's own TLS certificate, read the way a client sees
 * it: SSLRequest to the host and port of the target's DSN, then the
 * handshake. Scheduled, because a certificate changes rarely and a probe is
 * a fresh connection each time.
 *
 * Nothing to probe over a Unix socket, and a server without TLS is a fact to
 * report (`upkeep_tls_offered 0`), not a failure: both are logged once, when
 * they start, not on every run.
 */
import type { Logger } from '../log.js';
import { emitTlsProbe, tlsFamilies } from '../metrics/tlsFamilies.js';
import type { PostgresTarget } from '../targets/postgres.js';
import { serverAddress } from '../targets/serverAddress.js';
import { probeTls, type TlsProbeResult } from '../targets/tlsProbe.js';
import { situationChanges } from './perTarget.js';
import { scheduledCollector } from './types.js';

/** The last situation logged per target, so each is logged once when it starts. */
const changed = situationChanges<PostgresTarget>();

function logOnChange(target: PostgresTarget, situation: string, write: () => void): void {
  if (changed(target, situation)) write();
}

function logResult(target: PostgresTarget, result: TlsProbeResult, log: Logger): void {
  if (!result.offered) {
    logOnChange(target, 'not_offered', () => log.info('pg_tls.not_offered', { message: 'the server runs without TLS (it answered N to SSLRequest)' }));
    return;
  }
  const { verified, verifyError, hostname, hostnameMatches, hostnameError } = result;
  logOnChange(target, JSON.stringify(['offered', verifyError, hostnameError]), () =>
    log.info('pg_tls.offered', { verified, verifyError, hostname, hostnameMatches, hostnameError, certificates: result.chain.length }),
  );
}

export const pgTls = scheduledCollector({
  name: 'pg_tls',
  description: "The server's TLS certificate chain as clients see it (SSLRequest, then the TLS handshake): expiry, verification, host name.",
  mode: 'scheduled',
  targetKind: 'postgres',
  families: tlsFamilies,
  defaultSchedule: '*/5 * * * *',
  defaultTimeoutSeconds: 15,
  async collect({ target, emit, signal, log }) {
    const address = serverAddress(target.config.dsn);
    if (address.kind === 'socket') {
      logOnChange(target, 'unix_socket', () =>
        log.info('pg_tls.unix_socket', { directory: address.directory, message: 'the target connects through a Unix socket: there is no TLS to probe' }),
      );
      return;
    }
    const result = await probeTls({
      host: address.host,
      port: address.port,
      protocol: 'postgres',
      // The same patience as for the target's own connections; the run's
      // timeout (signal) stays the hard limit.
      timeoutMs: target.config.connectTimeoutSeconds * 1000,
      signal,
    });
    emitTlsProbe(emit, 'postgres', result);
    logResult(target, result, log);
  },
});
