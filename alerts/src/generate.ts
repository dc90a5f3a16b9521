/** `npm run generate`: the Prometheus rule files and Grafana alerting from alerts/src and alerts/thresholds.json. */
import { alertFiles } from './outputs.js';
import { writeGenerated } from './writeGenerated.js';

await writeGenerated(alertFiles());
