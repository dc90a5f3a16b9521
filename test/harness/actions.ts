/**
 * Runs one action directly, without the HTTP API or the job store: what the
 * per-action tests use to pin down an action's real effect. The job runner
 * does the same steps (parse → prepare → run) with locks, audit and state.
 */
import { randomUUID } from 'node:crypto';
import type { AnyAction, JobProgress, Json } from '../../exporter/src/actions/types.js';
import { silentLogger } from '../../exporter/src/log.js';
import type { PostgresTarget } from '../../exporter/src/targets/postgres.js';
import type { RedisTarget } from '../../exporter/src/targets/redis.js';

export interface DirectRun {
  jobId: string;
  scope: string;
  result: Json;
  progress: JobProgress[];
}

export interface DirectRunOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  jobId?: string;
  /** Called with every progress report as it happens (e.g. to cancel once a phase is reached). */
  onProgress?: (progress: JobProgress) => void;
}

/** parse → prepare → run; throws what the action throws (ActionRejection, zod errors, failures). */
export async function runActionDirectly(
  action: AnyAction,
  target: PostgresTarget | RedisTarget,
  rawParams: unknown,
  options: DirectRunOptions = {},
): Promise<DirectRun> {
  if (target.kind !== action.targetKind) throw new Error(`${action.name} runs on ${action.targetKind} targets, not ${target.kind}`);
  const signal = options.signal ?? new AbortController().signal;
  const dryRun = options.dryRun ?? false;
  const params: unknown = action.params.parse(rawParams);
  const prepared = await action.prepare({ target, params, dryRun, signal, log: silentLogger });
  const progress: JobProgress[] = [];
  const jobId = options.jobId ?? randomUUID();
  const result = await action.run({
    target,
    plan: prepared.plan as unknown,
    dryRun,
    jobId,
    signal,
    log: silentLogger,
    progress: (p) => {
      progress.push(p);
      options.onProgress?.(p);
    },
  });
  return { jobId, scope: prepared.scope, result, progress };
}
