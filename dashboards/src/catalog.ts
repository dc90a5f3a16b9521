/** Every dashboard, by the file it is written to. */
import { backups } from './boards/backups.js';
import { certificatesDisks } from './boards/certificatesDisks.js';
import { exporter } from './boards/exporter.js';
import { overview } from './boards/overview.js';
import { postgres } from './boards/postgres.js';
import { redis } from './boards/redis.js';
import type { JsonObject } from './panels.js';

export const dashboardBuilders: readonly { file: string; build: () => JsonObject }[] = [
  { file: 'dashboards/overview.json', build: overview },
  { file: 'dashboards/postgres.json', build: postgres },
  { file: 'dashboards/backups.json', build: backups },
  { file: 'dashboards/redis.json', build: redis },
  { file: 'dashboards/certificates-disks.json', build: certificatesDisks },
  { file: 'dashboards/exporter.json', build: exporter },
];
