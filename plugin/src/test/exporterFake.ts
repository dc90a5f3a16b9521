/**
 * A fake exporter and Prometheus behind the fake backend: the API answers
 * the app reads (whoami, the real action catalog, targets) and instant
 * queries answered from samples a test sets per PromQL expression.
 */
import { config } from '@grafana/runtime';
import type { ActionCatalog, ExporterRole, ExporterTarget, JsonValue, Whoami } from '../api/exporterTypes';
import type { Sample } from '../api/prometheus';
import type { GrafanaOrgRole } from '../permissions/actionPermission';
import catalogFile from './fixtures/actionCatalog.json';
import { FakeBackend, HttpFailure } from './fakeBackend';

export const DATASOURCE_UID = 'prom-test';

/** The exporter's real catalog (a repository test keeps the fixture equal to it). */
export const CATALOG = catalogFile as unknown as ActionCatalog;

export const TARGETS: ExporterTarget[] = [
  { kind: 'postgres', name: 'main', serverVersion: '15.20', role: 'primary', actions: ['backup', 'vacuum', 'analyze', 'reindex', 'cancel-query', 'terminate-backend'] },
  { kind: 'postgres', name: 'replica', serverVersion: '15.20', role: 'standby', actions: [] },
  { kind: 'redis', name: 'cache', actions: ['redis-bgsave'] },
  { kind: 'tls_endpoint', name: 'web', actions: [] },
];

export interface ExporterFakeOptions {
  tokenRole?: ExporterRole;
  readOnly?: boolean;
}

/** Grafana's signed-in user, as the app reads it from the boot data. */
export function signInAs(role: GrafanaOrgRole): void {
  (config.bootData.user as { orgRole?: string }).orgRole = role;
}

export class ExporterFake extends FakeBackend {
  private readonly answers = new Map<string, Sample[]>();
  private readonly failures = new Map<string, string>();

  constructor(options: ExporterFakeOptions = {}) {
    super();
    const whoami: Whoami = { actor: 'grafana:alice', tokenName: 'grafana', role: options.tokenRole ?? 'admin', origin: 'grafana', readOnly: options.readOnly ?? false };
    this.on('GET', 'api/whoami', () => whoami);
    this.on('GET', 'api/actions', () => ({ ...CATALOG, readOnly: options.readOnly ?? false }));
    this.on('GET', 'api/targets', () => ({ targets: TARGETS }));
    this.on('POST', /^\/api\/ds\/query$/, (request) => {
      const queries = (request.data as { queries: Array<{ refId: string; expr: string }> }).queries;
      const results = Object.fromEntries(
        queries.map((q) => {
          const failure = this.failures.get(q.expr);
          return [q.refId, failure ? { status: 400, error: failure, frames: [] } : { status: 200, frames: (this.answers.get(q.expr) ?? []).map((s) => frameOf(q.refId, s)) }];
        }),
      );
      // As Grafana: the whole answer is a 400 when any query failed, each query's error in the body.
      return queries.some((q) => this.failures.has(q.expr)) ? new HttpFailure(400, { results }) : { results };
    });
  }

  /** Prometheus refuses exactly this expression with `error`. */
  promFails(expr: string, error: string): this {
    this.failures.set(expr, error);
    return this;
  }

  /** What Prometheus answers for exactly this expression. */
  prom(expr: string, samples: Sample[]): this {
    this.answers.set(expr, samples);
    return this;
  }
}

/** A sample with labels. */
export const sample = (labels: Record<string, string>, value: number): Sample => ({ labels, value });

/** An instant query's answer as Grafana's Prometheus backend frames it: one frame per series. */
export function frameOf(refId: string, s: Sample): JsonValue {
  return {
    schema: { refId, fields: [{ name: 'Time', type: 'time' }, { name: 'Value', type: 'number', labels: s.labels }] },
    data: { values: [[Date.now()], [s.value]] },
  };
}
