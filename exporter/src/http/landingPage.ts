/** The page a person sees at the exporter's root: what it is and where to go next. */
import { VERSION } from '../version.js';

export function landingPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Upkeep exporter</title></head>
<body>
<h1>Upkeep exporter ${VERSION}</h1>
<p>Maintenance observability for PostgreSQL-backed services.</p>
<ul>
<li><a href="metrics">/metrics</a>: Prometheus metrics (OpenMetrics when the Accept header asks for it)</li>
<li><a href="healthz">/healthz</a>: the process is alive</li>
<li><a href="readyz">/readyz</a>: readiness, and whether each target answers</li>
</ul>
</body>
</html>
`;
}
