import { describe, expect, it } from 'vitest';
import { negotiateFormat, renderScrape } from './exposition.js';
import { SampleSet, counter, gauge, untyped } from './family.js';
import { scrapeBudgetMs } from './scrape.js';

describe('format negotiation', () => {
  it.each([
    [undefined, 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain;version=0.0.4', 'prometheus'],
    // What Prometheus 2.x sends by default.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
  ] as const)('Accept %s → %s', (accept, expected) => {
    expect(negotiateFormat(accept)).toBe(expected);
  });
});

describe('scrape budget', () => {
  it.each([
    [undefined, 9500],
    ['10', 9500],
    ['1', 900],
    ['0.5', 450],
    ['60', 59500],
    ['not a number', 9500],
    ['0', 9500],
    ['100000', 299500],
  ] as const)('X-Prometheus-Scrape-Timeout-Seconds %s → %i ms', (header, expected) => {
    expect(scrapeBudgetMs(header)).toBe(expected);
  });
});

describe('rendering', () => {
  const hits = counter('upkeep_test_hits_total', 'Hits.', ['target', 'datname']);
  const size = gauge('upkeep_test_size_bytes', 'Size.', ['target']);
  const count = untyped('upkeep_test_series_count', 'Count.', []);

  function samples(): SampleSet {
    const set = new SampleSet();
    set.add(hits, { target: 'a', datname: 'we"ird\\name' }, 12);
    set.add(size, { target: 'a' }, 1.5e9);
    set.add(count, {}, 3);
    return set;
  }

  it('writes the Prometheus text format with escaped label values', async () => {
    const { contentType, body } = await renderScrape(samples(), 'prometheus');
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(body).toContain('# HELP upkeep_test_hits_total Hits.\n# TYPE upkeep_test_hits_total counter\nupkeep_test_hits_total{target="a",datname="we\\"ird\\\\name"} 12\n');
    expect(body).toContain('upkeep_test_size_bytes{target="a"} 1500000000\n');
    expect(body).toContain('# TYPE upkeep_test_series_count untyped\nupkeep_test_series_count 3\n');
  });

  it('writes OpenMetrics with counter families named without _total and an EOF marker', async () => {
    const { contentType, body } = await renderScrape(samples(), 'openmetrics');
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(body).toContain('# TYPE upkeep_test_hits counter\nupkeep_test_hits_total{target="a",datname="we\\"ird\\\\name"} 12\n');
    expect(body).toContain('# TYPE upkeep_test_series_count unknown\n');
    expect(body.endsWith('# EOF\n')).toBe(true);
  });

  it('refuses samples whose labels do not match their family', () => {
    const set = new SampleSet();
    expect(() => set.add(size, { target: 'a', extra: 'x' } as never, 1)).toThrow(
      'metric upkeep_test_size_bytes expects labels [target], got [target, extra]',
    );
  });
});
