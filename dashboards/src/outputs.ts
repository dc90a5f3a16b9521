/** The dashboard JSON files generated from dashboards/src (and the levels in alerts/thresholds.json). */
import type { GeneratedFile } from '../../alerts/src/outputs.js';
import { dashboardBuilders } from './catalog.js';

export function dashboardFiles(): GeneratedFile[] {
  return dashboardBuilders.map(({ file, build }) => ({ path: file, content: `${JSON.stringify(build(), null, 2)}\n` }));
}
