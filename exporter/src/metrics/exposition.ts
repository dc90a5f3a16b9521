/**
 * Renders a scrape in the Prometheus text format (0.0.4) or OpenMetrics 1.0,
 * whichever the scraper's Accept header prefers. The writing is ours
 * (textFormat.ts); prom-client only supplies the standard process and
 * Node.js metrics.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricType, SampleSet } from './family.js';
import { writeFamilies, type ExpositionFormat, type WritableFamily, type WritableSample } from './textFormat.js';

export type { ExpositionFormat } from './textFormat.js';

const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/**
 * Picks the format by the Accept header's q-values, like Prometheus expects:
 * OpenMetrics only when the client ranks it above the text format.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  let openMetricsQ = -1;
  let textQ = -1;
  for (const part of accept.split(',')) {
    const [mediaType = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (mediaType === 'application/openmetrics-text') openMetricsQ = Math.max(openMetricsQ, q);
    else if (mediaType === 'text/plain' || mediaType === '*/*' || mediaType === 'text/*') textQ = Math.max(textQ, q);
  }
  return openMetricsQ > 0 && openMetricsQ >= textQ ? 'openmetrics' : 'prometheus';
}

let processMetrics: Registry | undefined;

/** prom-client's process_* and nodejs_* metrics, read as data (rendering them through prom-client would rename counters in place). */
async function processFamilies(): Promise<WritableFamily[]> {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  const families: WritableFamily[] = [];
  for (const metric of await processMetrics.getMetricsAsJSON()) {
    const type = String(metric.type) as MetricType;
    // prom-client exports nodejs_active_{handles,requests,resources}_total as
    // gauges, which breaks the naming rules (promtool flags them); the
    // per-type gauges without the suffix carry the same numbers.
    if (type !== 'counter' && metric.name.endsWith('_total')) continue;
    families.push({ name: metric.name, help: metric.help, type, samples: metric.values as unknown as WritableSample[] });
  }
  return families;
}

export interface RenderedScrape {
  contentType: string;
  body: string;
}

export async function renderScrape(samples: SampleSet, format: ExpositionFormat): Promise<RenderedScrape> {
  const families: WritableFamily[] = [];
  for (const { family, samples: values } of samples.families()) families.push({ name: family.name, help: family.help, type: family.type, samples: values });
  families.push(...(await processFamilies()));
  return { contentType: CONTENT_TYPES[format], body: writeFamilies(families, format) };
}
