/** Bounding work in time without leaking timers. */

export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    // A budget already spent arrives here as a negative number.
    super(`timed out after ${(Math.max(0, timeoutMs) / 1000).toFixed(2)} s`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles with `work`, or rejects with a TimeoutError after `ms`. The work is
 * not stopped by this alone: pass `onTimeout` to abort it (an AbortController,
 * a child process kill); a late rejection of `work` is absorbed.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout?: (error: TimeoutError) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut: TimeoutError | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = new TimeoutError(ms);
      reject(timedOut);
      onTimeout?.(timedOut);
    }, Math.max(0, ms));
  });
  try {
    const result = await Promise.race([work, deadline]);
    // Work that stops when aborted may settle in the same tick as the
    // deadline; it still ran out of time.
    if (timedOut) throw timedOut;
    return result;
  } finally {
    clearTimeout(timer);
  }
}
