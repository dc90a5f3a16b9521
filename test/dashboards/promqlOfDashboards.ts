/**
 * Every PromQL expression a dashboard holds (panel queries, annotations,
 * variable queries), and the same with Grafana's variables replaced by
 * values Prometheus accepts, so real Prometheus tooling can judge them.
 */

type Json = unknown;

export interface DashboardExpression {
  dashboard: string;
  /** Panel title, annotation name or variable name. */
  where: string;
  expr: string;
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: Json): Json[] {
  return Array.isArray(value) ? value : [];
}

/** `label_values(selector, label)` → `selector`; other variable queries are not PromQL. */
function variableSelector(query: string): string | undefined {
  const match = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query.trim());
  return match?.[1];
}

export function dashboardExpressions(dashboard: Json): DashboardExpression[] {
  if (!isObject(dashboard)) throw new Error('a dashboard is a JSON object');
  const uid = String(dashboard.uid);
  const out: DashboardExpression[] = [];
  for (const panel of list(dashboard.panels)) {
    if (!isObject(panel)) continue;
    for (const target of list(panel.targets)) {
      if (isObject(target) && typeof target.expr === 'string') out.push({ dashboard: uid, where: String(panel.title), expr: target.expr });
    }
  }
  const annotations = isObject(dashboard.annotations) ? list(dashboard.annotations.list) : [];
  for (const annotation of annotations) {
    if (isObject(annotation) && typeof annotation.expr === 'string') out.push({ dashboard: uid, where: `annotation ${String(annotation.name)}`, expr: annotation.expr });
  }
  const variables = isObject(dashboard.templating) ? list(dashboard.templating.list) : [];
  for (const variable of variables) {
    if (!isObject(variable) || variable.type !== 'query' || typeof variable.definition !== 'string') continue;
    const selector = variableSelector(variable.definition);
    if (!selector) throw new Error(`${uid}: variable ${String(variable.name)} is not a label_values() query: ${variable.definition}`);
    out.push({ dashboard: uid, where: `variable ${String(variable.name)}`, expr: selector });
  }
  return out;
}

/** Grafana's variables as Prometheus sees them once Grafana has replaced them (all values selected, a 1-minute step). */
export function withVariablesReplaced(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('$__interval', '1m')
    .replace(/\$(target|database|source)\b/g, '.*');
}
