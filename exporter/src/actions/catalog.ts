/** The action catalog the API publishes: what each action is, who may run it, and its params as JSON Schema. */
import { z } from 'zod';
import type { AnyAction, Role, RoleEscalation } from './types.js';

export interface ActionDescription {
  name: string;
  title: string;
  description: string;
  targetKind: string;
  /** The least role that can run the action. */
  role: Role;
  /** Params that need a higher role; the first rule that applies with the highest role wins (see actions/types.ts). */
  roleEscalations: RoleEscalation[];
  destructive: boolean;
  supportsDryRun: boolean;
  /** Scheduled collectors refreshed when a real run ends. */
  refreshes: string[];
  /** JSON Schema (2020-12) of `params`, as a client sends them (defaults optional). */
  paramsSchema: Record<string, unknown>;
}

export function describeAction(action: AnyAction): ActionDescription {
  return {
    name: action.name,
    title: action.title,
    description: action.description,
    targetKind: action.targetKind,
    role: action.role,
    roleEscalations: (action.roleEscalations ?? []).map((e) => ({ ...e })),
    destructive: action.destructive,
    supportsDryRun: action.supportsDryRun,
    refreshes: [...action.refreshes],
    paramsSchema: z.toJSONSchema(action.params, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  };
}
