/**
 * A TCP port that is free now and likely to stay free until a server binds
 * it a few seconds later (initdb runs in between).
 *
 * A port the kernel hands out for port 0 comes from the ephemeral range, the
 * same range outgoing connections draw from, so one of them can take it in
 * the meantime. Ports are therefore picked below that range, where only
 * another listener could take them.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

const LOWEST = 10_000;
const ATTEMPTS = 50;

function tryListen(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

async function ephemeralRangeStart(): Promise<number> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const low = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(low) && low > 0 ? low : 32768;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const highest = (await ephemeralRangeStart()) - 1;
  if (highest - LOWEST >= ATTEMPTS) {
    for (let i = 0; i < ATTEMPTS; i++) {
      const candidate = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
      const port = await tryListen(candidate, host);
      if (port !== undefined) return port;
    }
  }
  // No room below the ephemeral range (or all taken): let the kernel choose.
  const port = await tryListen(0, host);
  if (port === undefined) throw new Error(`no free TCP port on ${host}`);
  return port;
}
