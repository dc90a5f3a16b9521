/**
 * The action registry: one line per action. Adding an action is one new
 * file in this directory plus one line here.
 */
import { cancelQuery } from './cancelQuery.js';
import { redisBgsave } from './redisBgsave.js';
import { resetStatements } from './resetStatements.js';
import { terminateBackend } from './terminateBackend.js';
import type { AnyAction } from './types.js';

export const actions: readonly AnyAction[] = [cancelQuery, terminateBackend, resetStatements, redisBgsave];
