/** Every alert group, in the order the rule files list them. */
import { backups } from './groups/backups.js';
import { caches } from './groups/caches.js';
import { certificatesDisks } from './groups/certificatesDisks.js';
import { replication } from './groups/replication.js';
import { tables } from './groups/tables.js';
import { upkeep } from './groups/upkeep.js';
import type { AlertDefinition, GroupDefinition } from './model.js';

export const alertGroups: readonly GroupDefinition[] = [backups, replication, caches, tables, certificatesDisks, upkeep];

export function allAlerts(groups: readonly GroupDefinition[] = alertGroups): AlertDefinition[] {
  return groups.flatMap((g) => g.alerts);
}

/** Alert names, once each (ReplicationLagHigh has two definitions and one runbook). */
export function alertNames(groups: readonly GroupDefinition[] = alertGroups): string[] {
  return [...new Set(allAlerts(groups).map((a) => a.name))];
}

/** Where each alert's runbook lives, relative to the repository root. */
export function runbookPath(alert: string): string {
  return `docs/runbooks/${alert}.md`;
}

/**
 * The base of every runbook_url. The repository has no public home yet:
 * change this (and run `npm run generate`) when it has one, or point it at
 * your own copy of docs/runbooks.
 */
export const RUNBOOK_BASE_URL = 'https://github.com/upkeep-dev/upkeep/blob/main/';
