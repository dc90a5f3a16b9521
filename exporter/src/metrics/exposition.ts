/**
 * Renders a scrape in the Prometheus text format (0.0.4) or OpenMetrics 1.0,
 * whichever the scraper's Accept header prefers, using prom-client's registry.
 *
 * Each scrape builds a fresh registry. prom-client renames counter objects in
 * place when it renders OpenMetrics (it strips `_total`), so a metric object
 * shared between formats would come out wrong in the other one; the default
 * process metrics therefore live in one registry per format.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Metric, RegistryContentType } from 'prom-client';
import type { MetricFamily, Sample, SampleSet } from './family.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

const CONTENT_TYPES: Record<ExpositionFormat, RegistryContentType> = {
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

function registryFor(format: ExpositionFormat): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(CONTENT_TYPES[format]);
  return registry;
}

const processMetrics = new Map<ExpositionFormat, Registry<RegistryContentType>>();

function processMetricsFor(format: ExpositionFormat): Registry<RegistryContentType> {
  let registry = processMetrics.get(format);
  if (!registry) {
    registry = registryFor(format);
    collectDefaultMetrics({ register: registry });
    processMetrics.set(format, registry);
  }
  return registry;
}

/**
 * The shape prom-client's registry reads from a metric (`get()` plus name,
 * help and type); a plain object is enough and avoids building prom-client
 * Gauges for thousands of samples on every scrape.
 */
function snapshotMetric(family: MetricFamily, samples: readonly Sample[], format: ExpositionFormat) {
  // OpenMetrics calls the untyped type "unknown".
  const type = family.type === 'untyped' && format === 'openmetrics' ? 'unknown' : family.type;
  const metric = {
    name: family.name,
    help: family.help,
    type,
    get() {
      // `name` is read back from the object: the registry may have renamed it (see above).
      return Promise.resolve({ name: metric.name, help: family.help, type, aggregator: 'sum', values: samples });
    },
  };
  return metric as unknown as Metric;
}

export interface RenderedScrape {
  contentType: string;
  body: string;
}

export async function renderScrape(samples: SampleSet, format: ExpositionFormat): Promise<RenderedScrape> {
  const registry = registryFor(format);
  for (const { family, samples: values } of samples.families()) {
    registry.registerMetric(snapshotMetric(family, values, format));
  }
  for (const metric of processMetricsFor(format).getMetricsAsArray()) {
    // prom-client exports nodejs_active_{handles,requests,resources}_total as
    // gauges, which breaks the naming rules (promtool flags them); the
    // per-type gauges without the suffix carry the same numbers.
    if (String(metric.type) !== 'counter' && metric.name.endsWith('_total')) continue;
    // getMetricsAsArray() is typed as plain objects, but it returns the metric instances themselves.
    registry.registerMetric(metric as unknown as Metric);
  }
  return { contentType: registry.contentType, body: await registry.metrics() };
}
