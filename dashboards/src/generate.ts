/** `npm run generate`: dashboards/*.json from dashboards/src. */
import { writeGenerated } from '../../alerts/src/writeGenerated.js';
import { dashboardFiles } from './outputs.js';

await writeGenerated(dashboardFiles());
