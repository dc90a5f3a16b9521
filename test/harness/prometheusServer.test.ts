import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from './index.js';
import { PrometheusServer } from './prometheusServer.js';

describe('throwaway Prometheus', () => {
  let prometheus: PrometheusServer | undefined;
  afterAll(async () => prometheus?.stop());

  it('scrapes every second and answers PromQL', async () => {
    const dir = await temporaryDirectory('prometheus-');
    prometheus = await PrometheusServer.start(dir, 'global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs: []\n');
    // With no scrape configured, Prometheus still evaluates expressions.
    expect(await prometheus.query('vector(42)')).toEqual([{ metric: {}, value: [expect.any(Number), '42'] }]);
    await expect(prometheus.query('rate(')).rejects.toThrow(/parse error/);
  });
});
