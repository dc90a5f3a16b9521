/**
 * The HTTP surface: /metrics for Prometheus, /healthz and /readyz for
 * orchestrators, a landing page for people. Every error answers JSON.
 */
import express, { type Express } from 'express';
import type { LiveCollection } from '../collectors/liveCollection.js';
import { errorMessage, type Logger } from '../log.js';
import { negotiateFormat, renderScrape, type RenderedScrape } from '../metrics/exposition.js';
import { budgetBucket, collectScrape, scrapeBudgetMs, type SeriesSource } from '../metrics/scrape.js';
import type { ScheduledCollectors } from '../scheduler/scheduledCollectors.js';
import type { TargetSet } from '../targets/index.js';
import { SharedInFlight } from '../sharedInFlight.js';
import { withTimeout } from '../timeout.js';
import { VERSION } from '../version.js';
import { apiRouter, type ApiDependencies } from './apiRoutes.js';
import { READ_ONLY_MESSAGE } from './auth.js';
import { errorHandler, methodNotAllowed, notFound } from './errors.js';
import { landingPage } from './landingPage.js';

export interface AppDependencies {
  live: LiveCollection;
  scheduled: ScheduledCollectors;
  targets: TargetSet;
  /** The API's side: actions, auth and the job service. */
  api: ApiDependencies;
  /** Series from beyond the collectors: job and schedule metrics. */
  seriesSources: readonly SeriesSource[];
  log: Logger;
  /** False while starting up or shutting down; /readyz answers 503 then. */
  isAccepting: () => boolean;
}

/** How long /readyz waits for each target. */
export const READY_PROBE_TIMEOUT_MS = 2000;

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/', (_req, res) => {
    res.type('html').send(landingPage());
  });
  app.all('/', methodNotAllowed(['GET']));

  // Scrapes at the same time with the same budget and format get one rendered body (the collection is shared below that too).
  const scrapes = new SharedInFlight<string, RenderedScrape>();
  app.get('/metrics', async (req, res) => {
    const budget = scrapeBudgetMs(req.get('X-Prometheus-Scrape-Timeout-Seconds'));
    const format = negotiateFormat(req.get('Accept'));
    const rendered = await scrapes.run(`${budgetBucket(budget)}/${format}`, async () =>
      renderScrape(await collectScrape(deps.live, deps.scheduled, budget, deps.seriesSources), format),
    );
    res.set('Content-Type', rendered.contentType).send(rendered.body);
  });
  app.all('/metrics', methodNotAllowed(['GET']));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: VERSION });
  });
  app.all('/healthz', methodNotAllowed(['GET']));

  app.get('/readyz', async (_req, res) => {
    const targets = await Promise.all(
      deps.targets.probed().map(async (target) => {
        const started = Date.now();
        try {
          await withTimeout(target.probe(), READY_PROBE_TIMEOUT_MS);
          return { kind: target.kind, name: target.name, up: true, latencyMs: Date.now() - started, ...target.describe() };
        } catch (err) {
          return { kind: target.kind, name: target.name, up: false, error: errorMessage(err) };
        }
      }),
    );
    const accepting = deps.isAccepting();
    // A down target does not make the exporter unready: it still has to serve
    // upkeep_target_up 0 for that target, or the alert on it could never fire.
    res.status(accepting ? 200 : 503).json({
      status: accepting ? 'ready' : 'unavailable',
      version: VERSION,
      targetsUp: targets.filter((t) => t.up).length,
      targets,
      api: {
        readOnly: deps.api.auth.readOnly,
        ...(deps.api.auth.readOnly ? { readOnlyReason: READ_ONLY_MESSAGE } : {}),
        jobs: deps.api.jobs.status,
      },
    });
  });
  app.all('/readyz', methodNotAllowed(['GET']));

  app.use('/api/v1', apiRouter(deps.api));

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
