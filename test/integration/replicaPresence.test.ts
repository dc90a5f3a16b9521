/**
 * Two replicas share one state database. A replica that loses its state
 * database for a while (a restart, an outage) keeps its running job: the other replica must not declare it dead and clean up
 * under it. A replica that is really gone is swept (jobInterruption.test.ts).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../exporter/src/freePort.js';
import type { Caller } from '../../exporter/src/jobs/jobRecord.js';
import { JobService } from '../../exporter/src/jobs/jobService.js';
import { catalogOf, collectors } from '../../exporter/src/collectors/index.js';
import { validateConfig } from '../../exporter/src/config/load.js';
import { TargetSet } from '../../exporter/src/targets/index.js';
import { captureLog, createScratchPrimary, eventually, harness, queryOnce } from '../harness/index.js';
import { blockUntilReleased } from '../harness/testActions.js';

const operator: Caller = { actor: 'carol', tokenName: 'ops', role: 'operator', origin: 'api' };
const blocking = blockUntilReleased();
/** The state database on a server of its own, so the test can take it away. */
let stateServer: Awaited<ReturnType<typeof createScratchPrimary>>;
let stateDsn: string;

interface Replica {
  jobs: JobService;
  stop: () => Promise<void>;
  events: (name: string) => Record<string, unknown>[];
}

/**
 * A TCP relay to the state database that the test can cut: a replica behind
 * it loses the database (every connection reset, new ones refused) while
 * the other replica keeps it.
 */
class Relay {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<Relay> {
    const server = createServer();
    const port = await freePort();
    const relay = new Relay(server, port);
    server.on('connection', (client) => {
      if (relay.cut) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        relay.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          relay.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return relay;
  }

  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut) for (const socket of this.sockets) socket.destroy();
  }

  close(): Promise<void> {
    this.setCut(true);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function replica(dsn: string): Promise<Replica> {
  const result = await validateConfig({ postgres: [{ name: 'main', dsn: harness().primary.dsn }], state: { dsn } }, { collectors: catalogOf(collectors) });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const captured = captureLog();
  const targets = await TargetSet.fromConfig(result.config, captured.log);
  const jobs = new JobService({ stateDsn: dsn, actions: [blocking.action], targets, scheduled: undefined, log: captured.log });
  await jobs.start();
  return {
    jobs,
    events: (name) => captured.events(name),
    stop: async () => {
      await jobs.stop();
      await targets.close();
    },
  };
}

beforeAll(async () => {
  stateServer = await createScratchPrimary('presence-state', { synchronous_commit: true });
  stateDsn = stateServer.dsn();
});

afterAll(async () => {
  await stateServer?.destroy();
});

const statusOf = async (id: string) => (await queryOnce<{ status: string }>(stateDsn, 'SELECT status FROM upkeep.jobs WHERE id = $1', [id]))[0]?.status;

describe('replicas sharing a state database', () => {
  it('keep a running job through a state database outage longer than the heartbeat staleness', async () => {
    // Replica a reaches the state database through a relay, so that it can come back a little later than b.
    const relay = await Relay.start(stateServer.port);
    const [a, b] = await Promise.all([replica(stateDsn.replace(`:${stateServer.port}/`, `:${relay.port}/`)), replica(stateDsn)]);
    try {
      const { job } = await a.jobs.runner!.submit({ action: 'block-until-released', target: 'main', params: {} }, operator);
      // The state database goes away for longer than the 10 s after which a
      // heartbeat counts as stopped: when it is back, every heartbeat is old.
      await stateServer.stop('fast');
      relay.setCut(true);
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      await stateServer.start();
      // b is back at once; a only 6 s later. A replica that judged others as
      // soon as it is back would find a's lock free and its heartbeat stale.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      relay.setCut(false);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      expect(await statusOf(job.id)).toBe('running');
      expect(b.events('job.interrupted')).toEqual([]);
      expect(a.events('jobs.declared_dead')).toEqual([]);

      blocking.release();
      await eventually(async () => (await statusOf(job.id)) === 'succeeded', 'the job to succeed');
      expect(a.events('jobs.scope_lock_retaken')).toHaveLength(1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await relay.close();
    }
  }, 60_000);
});
