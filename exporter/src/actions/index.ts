/**
 * The action registry: one line per action. Adding an action is one new
 * file in this directory plus one line here.
 */
import { backup } from './backup.js';
import { cancelQuery } from './cancelQuery.js';
import { pruneBackups } from './pruneBackups.js';
import { redisBgsave } from './redisBgsave.js';
import { resetStatements } from './resetStatements.js';
import { terminateBackend } from './terminateBackend.js';
import type { AnyAction } from './types.js';
import { verifyBackup } from './verifyBackup.js';

export const actions: readonly AnyAction[] = [backup, verifyBackup, pruneBackups, cancelQuery, terminateBackend, resetStatements, redisBgsave];
