/** Bounding work in time without leaking timers. */

export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${(timeoutMs / 1000).toFixed(2)} s`);
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
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(ms);
      onTimeout?.(error);
      reject(error);
    }, Math.max(0, ms));
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
