/**
 * The action registry: one line per action. Adding an action is one new
 * file in this directory plus one line here.
 */
import type { AnyAction } from './types.js';

export const actions: readonly AnyAction[] = [];
