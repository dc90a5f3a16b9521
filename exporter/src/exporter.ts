/**
 * Wires a validated configuration into a running exporter: targets,
 * collectors, the scheduler and the HTTP server; and takes it down again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { actions as registeredActions } from './actions/index.js';
import { AlertmanagerSilencer } from './alerting/alertmanagerSilences.js';
import type { AnyAction } from './actions/types.js';
import { collectors as registeredCollectors } from './collectors/index.js';
import { LiveCollection } from './collectors/liveCollection.js';
import type { Collector } from './collectors/types.js';
import { displayUrl, parseListenAddress, type ListenAddress } from './config/listenAddress.js';
import type { Config } from './config/types.js';
import { createApp } from './http/app.js';
import { ApiAuth } from './http/auth.js';
import { JobService } from './jobs/jobService.js';
import type { Logger } from './log.js';
import { ActionSchedules } from './scheduler/actionSchedules.js';
import { ScheduledCollectors } from './scheduler/scheduledCollectors.js';
import { TargetSet } from './targets/index.js';
import { VERSION } from './version.js';

const CLOSE_GRACE_MS = 5000;

export interface StartOptions {
  config: Config;
  log: Logger;
  /** The collectors to run; defaults to the registry. Tests pass their own. */
  collectors?: readonly Collector[];
  /** The actions offered; defaults to the registry. */
  actions?: readonly AnyAction[];
}

export interface RunningExporter {
  /** Base URL a person can open (a wildcard bind shows as localhost). */
  url: string;
  address: ListenAddress;
  /** Settles when every scheduled collector has finished its first run. */
  firstScheduledRuns: Promise<void>;
  scheduled: ScheduledCollectors;
  /** Jobs and audit; ready once the state database is (`jobs.ready()`). */
  jobs: JobService;
  close(): Promise<void>;
}

export async function startExporter({ config, log, collectors = registeredCollectors, actions = registeredActions }: StartOptions): Promise<RunningExporter> {
  const listen = parseListenAddress(config.listen);
  if (!listen.ok) throw new Error(`listen: ${listen.message}`);

  const enabled = collectors.filter((c) => config.collectors[c.name]?.enabled !== false);
  const targets = await TargetSet.fromConfig(config, log);
  const live = new LiveCollection(enabled, targets, log);
  const scheduled = new ScheduledCollectors(enabled, targets, config.collectors, log);
  const silencer = config.alertmanager ? new AlertmanagerSilencer({ url: config.alertmanager.url }) : undefined;
  const jobs = new JobService({ stateDsn: config.state?.dsn, actions, targets, scheduled, silencer, log });
  const schedules = new ActionSchedules({ schedules: config.schedules, actions, targets, jobs, log });
  const auth = new ApiAuth(config.auth.tokens);
  let accepting = false;
  const app = createApp({
    live,
    scheduled,
    targets,
    api: { actions, targets, auth, jobs },
    seriesSources: [jobs, schedules],
    log,
    isAccepting: () => accepting,
  });

  const server = createServer(app);
  try {
    await listenOn(server, listen);
  } catch (err) {
    await targets.close();
    throw err;
  }
  await jobs.start();
  schedules.start();
  const bound = server.address() as AddressInfo;
  const address = { host: listen.host, port: bound.port };
  const url = displayUrl(address);
  accepting = true;

  const firstScheduledRuns = scheduled.start();
  log.info('exporter.started', {
    version: VERSION,
    url,
    metrics: `${url}/metrics`,
    targets: targets.all().map((t) => `${t.kind}/${t.name}`),
    collectors: enabled.map((c) => `${c.name} (${c.mode})`),
    api: auth.readOnly ? 'read-only (no auth.tokens)' : `${config.auth.tokens.length} token(s)`,
    jobs: jobs.status.state,
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      accepting = false;
      // Schedules first (no new jobs), then jobs: they may be using the
      // targets and refreshing scheduled collectors.
      await schedules.stop();
      await jobs.stop();
      await scheduled.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A scrape in progress gets a moment to finish; then connections are cut.
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      });
      await targets.close();
      log.info('exporter.stopped');
    })();
    return closing;
  };

  return { url, address, firstScheduledRuns, scheduled, jobs, close };
}

function listenOn(server: Server, address: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'EADDRINUSE' ? ' (another process is listening there; choose another with --listen)' : '';
      reject(new Error(`cannot listen on ${address.host}:${address.port}: ${err.code ?? err.message}${hint}`));
    };
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
