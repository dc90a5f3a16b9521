/**
 * The action registry: one line per action. Adding an action is one new
 * file in this directory plus one line here.
 */
import { analyze } from './analyze.js';
import { backup } from './backup.js';
import { cancelQuery } from './cancelQuery.js';
import { pruneBackups } from './pruneBackups.js';
import { redisBgsave } from './redisBgsave.js';
import { reindex } from './reindex.js';
import { resetStatements } from './resetStatements.js';
import { terminateBackend } from './terminateBackend.js';
import type { AnyAction } from './types.js';
import { vacuum } from './vacuum.js';
import { verifyBackup } from './verifyBackup.js';

export const actions: readonly AnyAction[] = [
  backup,
  verifyBackup,
  pruneBackups,
  vacuum,
  analyze,
  reindex,
  cancelQuery,
  terminateBackend,
  resetStatements,
  redisBgsave,
];
