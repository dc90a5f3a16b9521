/**
 * The collector framework with collectors written for the test, run against
 * the harness's real primary: failures and timeouts stay contained, scheduled
 * results are cached and say so, stale label sets disappear.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectors as registered } from '../../exporter/src/collectors/index.js';
import { liveCollector, scheduledCollector } from '../../exporter/src/collectors/types.js';
import { collectorLastSuccess, collectorSuccess } from '../../exporter/src/metrics/exporterFamilies.js';
import { gauge } from '../../exporter/src/metrics/family.js';
import { eventually, harness, startTestExporter, type TestExporter } from '../harness/index.js';

const answer = gauge('upkeep_test_answer', 'A value read from the database.', ['target']);

const answering = liveCollector({
  name: 'test_answer',
  description: 'Reads a number from the database.',
  mode: 'live',
  targetKind: 'postgres',
  families: [answer],
  async collect({ target, emit }) {
    const { rows } = await target.query<{ n: number }>('SELECT 42 AS n');
    emit(answer, {}, rows[0]!.n);
  },
});

const throwing = liveCollector({
  name: 'test_throws',
  description: 'Always fails.',
  mode: 'live',
  targetKind: 'postgres',
  families: [],
  collect() {
    return Promise.reject(new Error('relation "nowhere" does not exist'));
  },
});

function hangingCollector(state: { aborted: boolean }) {
  return liveCollector({
    name: 'test_hangs',
    description: 'Waits far longer than any scrape budget unless aborted.',
    mode: 'live',
    targetKind: 'postgres',
    families: [],
    collect({ signal }) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 60_000);
        signal.addEventListener('abort', () => {
          state.aborted = true;
          clearTimeout(timer);
          resolve();
        });
      });
    },
  });
}

const runsSoFar = gauge('upkeep_test_runs', 'How many times the scheduled test collector has run.', ['target', 'item']);

interface ScheduledBehaviour {
  runs: number;
  /** `start:N` and `end:N` of each run, in order. */
  events?: string[];
  items: string[];
  mode: 'ok' | 'fail' | 'hang' | 'slow';
}

function cachedCollector(behaviour: ScheduledBehaviour) {
  return scheduledCollector({
    name: 'test_cached',
    description: 'An expensive collector stand-in.',
    mode: 'scheduled',
    targetKind: 'postgres',
    // Yearly: within a test only start-up and explicit refreshes run it.
    defaultSchedule: '0 0 1 1 *',
    defaultTimeoutSeconds: 1,
    families: [runsSoFar],
    async collect({ target, emit }) {
      const run = ++behaviour.runs;
      behaviour.events?.push(`start:${run}`);
      await target.query('SELECT 1');
      if (behaviour.mode === 'fail') throw new Error('repository unreachable');
      // Ignores its abort signal, like a misbehaving child process would.
      if (behaviour.mode === 'hang') await new Promise((r) => setTimeout(r, 3000));
      if (behaviour.mode === 'slow') await new Promise((r) => setTimeout(r, 300));
      for (const item of behaviour.items) emit(runsSoFar, { item }, run);
      behaviour.events?.push(`end:${run}`);
    },
  });
}

let exporter: TestExporter | undefined;

afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});

const primaryTarget = () => ({ postgres: [{ name: 'primary', dsn: harness().primary.dsn }] });

describe('live collectors', () => {
  it('a collector that throws reports success 0 and leaves the rest of the scrape intact', async () => {
    exporter = await startTestExporter(primaryTarget(), { collectors: [...registered, answering, throwing] });
    for (let i = 0; i < 3; i++) {
      const { status, metrics } = await exporter.scrape();
      expect(status).toBe(200);
      expect(metrics.value(collectorSuccess.name, { collector: 'test_throws', target: 'primary' })).toBe(0);
      expect(metrics.value(collectorLastSuccess.name, { collector: 'test_throws', target: 'primary' })).toBe(0);
      expect(metrics.value(collectorSuccess.name, { collector: 'test_answer', target: 'primary' })).toBe(1);
      expect(metrics.value(answer.name, { target: 'primary' })).toBe(42);
      expect(metrics.value(collectorSuccess.name, { collector: 'pg_database', target: 'primary' })).toBe(1);
    }
    // One log line when the failure starts, not one per scrape.
    const failures = exporter.captured.events('collector.failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ collector: 'test_throws', target: 'primary', error: 'relation "nowhere" does not exist' });
  });

  it('a hanging collector is cut at the scrape budget and aborted; the scrape still answers in time', async () => {
    const state = { aborted: false };
    exporter = await startTestExporter(primaryTarget(), { collectors: [...registered, answering, hangingCollector(state)] });
    const { status, metrics, elapsedMs } = await exporter.scrape({ timeoutSeconds: 5 });
    expect(status).toBe(200);
    // Budget: 5 s minus a 0.5 s margin, so the answer beats Prometheus' own timeout.
    expect(elapsedMs).toBeGreaterThanOrEqual(4450);
    expect(elapsedMs).toBeLessThan(5000);
    expect(state.aborted).toBe(true);
    expect(metrics.value(collectorSuccess.name, { collector: 'test_hangs', target: 'primary' })).toBe(0);
    expect(metrics.value(collectorSuccess.name, { collector: 'test_answer', target: 'primary' })).toBe(1);
    expect(exporter.captured.events('collector.failed')[0]).toMatchObject({ collector: 'test_hangs', timeout: true });
  });

  it('concurrent scrapes share one collection instead of querying once each', async () => {
    let runs = 0;
    const counting = liveCollector({
      name: 'test_counting',
      description: 'Counts its runs.',
      mode: 'live',
      targetKind: 'postgres',
      families: [],
      async collect({ target }) {
        runs++;
        await target.query('SELECT pg_sleep(0.2)');
      },
    });
    exporter = await startTestExporter(primaryTarget(), { collectors: [counting] });
    const scrapes = await Promise.all(Array.from({ length: 10 }, () => exporter!.scrape()));
    expect(scrapes.every((s) => s.status === 200)).toBe(true);
    expect(runs).toBe(1);
    await exporter.scrape();
    expect(runs).toBe(2);
  });

  it('a disabled collector does not run and exports nothing', async () => {
    exporter = await startTestExporter({ ...primaryTarget(), collectors: { test_answer: { enabled: false } } }, { collectors: [...registered, answering] });
    const { metrics } = await exporter.scrape();
    expect(metrics.has(answer.name)).toBe(false);
    expect(metrics.has(collectorSuccess.name, { collector: 'test_answer' })).toBe(false);
    expect(metrics.value(collectorSuccess.name, { collector: 'pg_database', target: 'primary' })).toBe(1);
  });
});

describe('scheduled collectors', () => {
  it('run at start-up and are served from cache, with HELP saying so', async () => {
    const behaviour: ScheduledBehaviour = { runs: 0, items: ['a', 'b'], mode: 'ok' };
    exporter = await startTestExporter(primaryTarget(), { collectors: [...registered, cachedCollector(behaviour)] });
    await exporter.firstScheduledRuns;
    expect(behaviour.runs).toBe(1);

    const first = await exporter.scrape();
    const second = await exporter.scrape();
    expect(behaviour.runs).toBe(1); // scrapes read the cache, they do not run the collector
    for (const { metrics } of [first, second]) {
      expect(metrics.value(runsSoFar.name, { target: 'primary', item: 'a' })).toBe(1);
      expect(metrics.value(collectorSuccess.name, { collector: 'test_cached', target: 'primary' })).toBe(1);
    }
    expect(first.metrics.help.get(runsSoFar.name)).toBe(
      'How many times the scheduled test collector has run. Cached: refreshed by the test_cached collector on schedule "0 0 1 1 *"; see upkeep_collector_last_success_timestamp_seconds.',
    );
  });

  it('drop label sets that a later run no longer produces', async () => {
    const behaviour: ScheduledBehaviour = { runs: 0, items: ['a', 'b'], mode: 'ok' };
    exporter = await startTestExporter(primaryTarget(), { collectors: [...registered, cachedCollector(behaviour)] });
    await exporter.firstScheduledRuns;
    expect((await exporter.scrape()).metrics.has(runsSoFar.name, { item: 'b' })).toBe(true);
    behaviour.items = ['a'];
    await exporter.scheduled.refresh('test_cached');
    const { metrics } = await exporter.scrape();
    expect(metrics.has(runsSoFar.name, { item: 'b' })).toBe(false);
    expect(metrics.value(runsSoFar.name, { target: 'primary', item: 'a' })).toBe(2);
  });

  it('keep the last good values through a failed or timed-out run, with success 0', async () => {
    const behaviour: ScheduledBehaviour = { runs: 0, items: ['a'], mode: 'ok' };
    exporter = await startTestExporter(primaryTarget(), { collectors: [...registered, cachedCollector(behaviour)] });
    await exporter.firstScheduledRuns;
    const goodAt = (await exporter.scrape()).metrics.value(collectorLastSuccess.name, { collector: 'test_cached', target: 'primary' });

    behaviour.mode = 'fail';
    await exporter.scheduled.refresh('test_cached');
    let { metrics } = await exporter.scrape();
    expect(metrics.value(collectorSuccess.name, { collector: 'test_cached', target: 'primary' })).toBe(0);
    expect(metrics.value(runsSoFar.name, { target: 'primary', item: 'a' })).toBe(1);
    expect(metrics.value(collectorLastSuccess.name, { collector: 'test_cached', target: 'primary' })).toBe(goodAt);

    behaviour.mode = 'hang';
    const started = Date.now();
    await exporter.scheduled.refresh('test_cached');
    expect(Date.now() - started).toBeLessThan(2000); // the 1 s hard timeout, not the 3 s the run wanted
    ({ metrics } = await exporter.scrape());
    expect(metrics.value(collectorSuccess.name, { collector: 'test_cached', target: 'primary' })).toBe(0);
    expect(metrics.value(runsSoFar.name, { target: 'primary', item: 'a' })).toBe(1);
    expect(exporter.captured.events('collector.failed').map((e) => e.error)).toEqual(['repository unreachable', 'timed out after 1.00 s']);
  });

  it('refresh with a run that starts after the request, even while one is under way', async () => {
    const behaviour: ScheduledBehaviour = { runs: 0, items: ['a'], mode: 'ok' };
    exporter = await startTestExporter(primaryTarget(), { collectors: [...registered, cachedCollector(behaviour)] });
    await exporter.firstScheduledRuns;
    behaviour.mode = 'slow';
    behaviour.events = [];
    const underWay = exporter.scheduled.refresh('test_cached'); // run 2 starts now
    // Asked while run 2 is in progress: they share one run that starts after it.
    const afterIt = [exporter.scheduled.refresh('test_cached'), exporter.scheduled.refresh('test_cached', 'primary')];
    await Promise.all([underWay, ...afterIt]);
    expect(behaviour.events).toEqual(['start:2', 'end:2', 'start:3', 'end:3']);
    expect((await exporter.scrape()).metrics.value(runsSoFar.name, { target: 'primary', item: 'a' })).toBe(3);
  });

  it('run on their cron schedule, which the configuration can override', async () => {
    const behaviour: ScheduledBehaviour = { runs: 0, items: ['a'], mode: 'ok' };
    exporter = await startTestExporter(
      { ...primaryTarget(), collectors: { test_cached: { schedule: '* * * * * *' } } },
      { collectors: [...registered, cachedCollector(behaviour)] },
    );
    await exporter.firstScheduledRuns;
    await eventually(() => Promise.resolve(behaviour.runs >= 3), 'two scheduled runs after the start-up run', 5000);
    const { metrics } = await exporter.scrape();
    expect(metrics.help.get(runsSoFar.name)).toContain('on schedule "* * * * * *"');
    expect(metrics.value(runsSoFar.name, { target: 'primary', item: 'a' })).toBeGreaterThanOrEqual(3);
  });
});
