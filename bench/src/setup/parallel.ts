/**
 * Runs a list of SQL batches over a few connections at once: the setup is
 * server-bound, and two backends keep both cores of a small machine busy.
 */
import pg from 'pg';
import { progress } from '../progress.js';

export async function runBatches(dsn: string, batches: readonly string[], connections: number, label: string): Promise<void> {
  let next = 0;
  let done = 0;
  let lastReport = performance.now();
  const worker = async () => {
    const client = new pg.Client({ connectionString: dsn, application_name: 'upkeep-bench-setup' });
    // A server stopped under an idle client (Ctrl-C) is an 'error' event; the query in flight, if any, rejects anyway.
    client.on('error', () => undefined);
    await client.connect();
    try {
      while (next < batches.length) {
        const sql = batches[next++]!;
        await client.query(sql);
        done += 1;
        if (performance.now() - lastReport > 5_000) {
          lastReport = performance.now();
          progress(`${label}: ${done}/${batches.length} batches`);
        }
      }
    } finally {
      await client.end();
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, batches.length) }, worker));
}

/** [first, last] ranges of at most `size` covering 1..count. */
export function ranges(count: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let first = 1; first <= count; first += size) out.push([first, Math.min(count, first + size - 1)]);
  return out;
}
