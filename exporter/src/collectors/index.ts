/**
 * The collector registry: adding a metric family is one new file in this
 * folder plus one line here.
 */
import type { CollectorCatalogEntry } from '../config/schema.js';
import { pgDatabase } from './pgDatabase.js';
import type { Collector } from './types.js';

export const collectors: readonly Collector[] = [pgDatabase];

export function catalogOf(list: readonly Collector[]): CollectorCatalogEntry[] {
  return list.map((c) => ({ name: c.name, mode: c.mode }));
}
