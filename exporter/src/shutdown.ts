/**
 * Signal handling for long-running commands: the first SIGINT/SIGTERM/SIGHUP
 * shuts down in order (nothing left running, no embedded server orphaned);
 * a second one, or a shutdown that hangs, exits at once.
 */
import type { Logger } from './log.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export const SHUTDOWN_TIMEOUT_MS = 20_000;

export function exitOnSignal(close: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('shutdown.forced', { signal });
      process.exit(130);
    }
    stopping = true;
    log.info('shutdown.started', { signal });
    const forced = setTimeout(() => {
      log.error('shutdown.timed_out', { timeoutMs: SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    forced.unref();
    close().then(
      () => {
        log.info('shutdown.complete');
        process.exit(0);
      },
      (err: unknown) => {
        log.error('shutdown.failed', { error: err });
        process.exit(1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
