/**
 * The collector registry: adding a metric family is one new file in this
 * folder plus one line here.
 */
import type { CollectorCatalogEntry } from '../config/schema.js';
import { backups } from './backups.js';
import { certificateFiles } from './certificateFiles.js';
import { disk } from './disk.js';
import { pgBloat } from './pgBloat.js';
import { pgCertFile } from './pgCertFile.js';
import { pgDatabase } from './pgDatabase.js';
import { pgDatabaseSize } from './pgDatabaseSize.js';
import { pgDisk } from './pgDisk.js';
import { pgHeartbeat } from './pgHeartbeat.js';
import { pgReplication } from './pgReplication.js';
import { pgSessions } from './pgSessions.js';
import { pgStatements } from './pgStatements.js';
import { pgTableCache } from './pgTableCache.js';
import { pgTls } from './pgTls.js';
import { pgWalArchive } from './pgWalArchive.js';
import { redis } from './redisInfo.js';
import { tlsEndpoints } from './tlsEndpoints.js';
import type { Collector } from './types.js';

export const collectors: readonly Collector[] = [
  pgDatabase,
  pgDatabaseSize,
  pgTableCache,
  pgReplication,
  pgHeartbeat,
  pgSessions,
  pgStatements,
  pgBloat,
  pgTls,
  pgCertFile,
  pgWalArchive,
  backups,
  tlsEndpoints,
  certificateFiles,
  pgDisk,
  disk,
  redis,
];

export function catalogOf(list: readonly Collector[]): CollectorCatalogEntry[] {
  return list.map((c) => (c.mode === 'scheduled' ? { name: c.name, mode: c.mode, defaultTimeoutSeconds: c.defaultTimeoutSeconds } : { name: c.name, mode: c.mode }));
}
