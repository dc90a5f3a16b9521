/**
 * The action contract. An action is one maintenance operation (vacuum a
 * table, take a backup, cancel a query) that the job runner executes on
 * behalf of an authenticated actor: one file in this directory declaring
 * what it is, who may run it and on what, plus one line in `index.ts`.
 *
 * An action runs in two steps, so that bad input changes nothing:
 * - `prepare` validates the request against the target (catalog lookups,
 *   files on disk) without changing anything, and throws ActionRejection
 *   (→ HTTP 404/409/422) for an unknown table, a missing backup source…
 *   It also names the scope the job locks: one job per (target, scope).
 * - `run` does the work, reporting progress, stopping when `signal` aborts.
 *   With `dryRun` it does everything but the change and says what it would do.
 */
import type { z } from 'zod';
import type { Logger } from '../log.js';
import type { TargetsByKind } from '../targets/index.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** `viewer < operator < admin`: a role may do what every lower role may. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/**
 * A higher role for some params: applies when every param in `whenEqual`
 * has that value and every param in `whenAbsent` is absent (after defaults).
 */
export interface RoleEscalation {
  role: Role;
  /** What needs the role, for 403 messages and tooltips: `VACUUM FULL`, `a whole database`. */
  reason: string;
  whenEqual?: Readonly<Record<string, string | number | boolean>>;
  whenAbsent?: readonly string[];
}

/** The least role that may run `action` with these (parsed) params, and why when it is more than the action's own. */
export function requiredRole(action: Pick<Action, 'role' | 'roleEscalations'>, params: unknown): { role: Role; reason?: string } {
  const given = params !== null && typeof params === 'object' ? (params as Record<string, unknown>) : {};
  let needed: { role: Role; reason?: string } = { role: action.role };
  for (const escalation of action.roleEscalations ?? []) {
    const equal = Object.entries(escalation.whenEqual ?? {}).every(([key, value]) => given[key] === value);
    const absent = (escalation.whenAbsent ?? []).every((key) => given[key] === undefined);
    if (equal && absent && !roleAllows(needed.role, escalation.role)) needed = { role: escalation.role, reason: escalation.reason };
  }
  return needed;
}

/** The kinds of target an action can work on. */
export type ActionTargetKind = 'postgres' | 'redis';

export interface JobProgress {
  /** What the job is doing now, in a few words: `scanning heap`, `writing dump`. */
  phase: string;
  /** 0..100 where the work is measurable (pg_stat_progress_*, files done); absent where it is not. */
  percent?: number;
  /** Figures behind the phase: bytes written, blocks scanned, the table being worked on. JSON only. */
  detail?: Record<string, unknown>;
}

/** A JSON value: what results and progress details are stored as (an undefined property is left out, as JSON.stringify does). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

/** The request was wrong for this target: nothing ran. */
export class ActionRejection extends Error {
  constructor(
    /** 404: a named thing does not exist; 409: the state forbids it now; 422: the request cannot be done. */
    readonly status: 404 | 409 | 422,
    readonly code: string,
    message: string,
    readonly details?: Json,
  ) {
    super(message);
    this.name = 'ActionRejection';
  }
}

export interface PrepareContext<K extends ActionTargetKind, P> {
  target: TargetsByKind[K];
  params: P;
  dryRun: boolean;
  signal: AbortSignal;
  log: Logger;
}

export interface Prepared<Plan> {
  /**
   * What the job locks on its target, e.g. `table:appdb:16384`, `database:appdb`,
   * `backups:nightly`. Two jobs with the same target and scope never run at once.
   */
  scope: string;
  plan: Plan;
}

export interface RunContext<K extends ActionTargetKind, Plan> {
  target: TargetsByKind[K];
  plan: Plan;
  dryRun: boolean;
  /** The job's id: connections and child processes carry it (`upkeep-job:<id>`) so a DBA can find them. */
  jobId: string;
  /** Aborted when the job is cancelled or the exporter stops: end the work and its server-side sessions. */
  signal: AbortSignal;
  log: Logger;
  /** Report progress; cheap to call often (the runner throttles what it stores). */
  progress: (progress: JobProgress) => void;
}

export interface Action<K extends ActionTargetKind = ActionTargetKind, P = unknown, Plan = unknown> {
  /** The API's action id: kebab-case, stable (`vacuum`, `verify-backup`). */
  name: string;
  title: string;
  /** One or two sentences for the catalog and the Grafana confirm dialog: what it does, what it locks. */
  description: string;
  targetKind: K;
  /** Parameter schema; strict (unknown keys rejected). Published as JSON Schema in the catalog. */
  params: z.ZodType<P>;
  /** The least role that may run the action. */
  role: Role;
  /**
   * Params that need a higher role (VACUUM FULL needs an admin). Data, not
   * code, so the catalog can publish them and clients (the Grafana app)
   * apply the same rule the runner does: see `requiredRole`.
   */
  roleEscalations?: readonly RoleEscalation[];
  /** Changes or removes something that cannot be restored by running the action again. */
  destructive: boolean;
  supportsDryRun: boolean;
  /** Scheduled collectors to refresh once a real run ends, so the next scrape shows the effect. */
  refreshes: readonly string[];
  prepare(ctx: PrepareContext<K, P>): Promise<Prepared<Plan>>;
  /** The job's result (JSON): what was done, or with dryRun what would be. Throwing fails the job. */
  run(ctx: RunContext<K, Plan>): Promise<Json>;
  /**
   * Optional: removes what a job of this action leaves behind when the
   * process running it died (a `.partial` file). Called when the job is
   * marked `interrupted`, with the progress it last saved; returns what it
   * removed, for the audit log.
   */
  cleanUpInterrupted?(ctx: InterruptedContext<K>): Promise<Json>;
}

export interface InterruptedContext<K extends ActionTargetKind> {
  target: TargetsByKind[K];
  /** The dead job's id: a cleanup session carries it too (`upkeep-job:<id>`). */
  jobId: string;
  /** The job's last saved progress: actions put what they were writing in `detail`. */
  progress: JobProgress | null;
  log: Logger;
}

/** Identity helper that keeps an action's target, params and plan types precise. */
export const defineAction = <K extends ActionTargetKind, P, Plan>(action: Action<K, P, Plan>): Action<K, P, Plan> => action;

/** Any action, as the registry and the runner hold them. */
// The registry stores actions of different parameter types side by side; the
// runner only passes each one the params its own schema produced.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAction = Action<ActionTargetKind, any, any>;
