/**
 * Progress lines on stderr, each with the time since the bench started, so
 * the table on stdout stays clean enough to paste.
 */
const started = performance.now();

export function elapsedSeconds(): number {
  return (performance.now() - started) / 1000;
}

export function progress(message: string): void {
  process.stderr.write(`[${elapsedSeconds().toFixed(1).padStart(6)} s] ${message}\n`);
}

/** Runs `work`, printing how long it took under `label`; returns its result and the seconds. */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  progress(`${label}: ${seconds.toFixed(1)} s`);
  return { result, seconds };
}
