/**
 * Jobs and the audit log in the state database. Every statement is
 * parameterised; list filters are bound values, never spliced text.
 */
import type { Json } from '../actions/types.js';
import type { StateDatabase } from '../state/stateDatabase.js';
import { jobFromRow, type JobError, type JobRecord, type JobRow, type JobStatus } from './jobRecord.js';

export interface NewJob {
  id: string;
  action: string;
  target: string;
  scope: string;
  params: Json;
  dryRun: boolean;
  actor: string;
  tokenName: string | undefined;
  origin: string;
  idempotencyKey: string | undefined;
  /** Whose key it is: the token's name, `cli` or `schedule:<name>`. */
  idempotencyNamespace: string;
  instanceId: string;
}

export interface JobFilter {
  status?: JobStatus;
  action?: string;
  target?: string;
  /** Opaque cursor from a previous page: jobs created before it. */
  before?: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface AuditEntry {
  actor: string;
  tokenName: string | undefined;
  origin: string;
  /** `job.requested`, `job.finished`, `job.cancel_requested`, `job.interrupted`, `schedule.skipped`… */
  event: string;
  /** `accepted`, `denied`, `rejected`, `conflict`, `succeeded`, `failed`, `cancelled`, `interrupted`, `skipped`… */
  outcome: string;
  action?: string | undefined;
  target?: string | undefined;
  params?: Json | undefined;
  jobId?: string | undefined;
  statusCode?: number | undefined;
  detail?: string | undefined;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  tokenName: string | null;
  origin: string;
  event: string;
  outcome: string;
  action: string | null;
  target: string | null;
  params: Json;
  jobId: string | null;
  statusCode: number | null;
  detail: string | null;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  before?: number;
  limit: number;
}

const UNFINISHED = `status IN ('queued', 'running')`;

/**
 * JSON text for a jsonb column. jsonb cannot hold the character U+0000 nor a
 * lone surrogate, and a request carrying one (a hostile table name) must
 * still be audited: NUL is stored as the six characters `\u0000`, a lone
 * surrogate as U+FFFD.
 */
export function jsonb(value: unknown): string {
  return JSON.stringify(wellFormedDeep(value)).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\\\u0000');
}

/** Strings and object keys, at any depth. */
function wellFormedDeep(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(wellFormedDeep);
  const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
  if (typeof toJSON === 'function') return wellFormedDeep((toJSON as () => unknown).call(value));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormedDeep(v)]));
  }
  return value;
}

/** A lone UTF-16 surrogate (a hostile `"\ud800"` in a request) has no UTF-8 form, and jsonb rejects it: replace it with U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

async function insertAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO upkeep.audit (actor, token_name, origin, event, outcome, action, target, params, job_id, status_code, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      entry.actor,
      entry.tokenName ?? null,
      entry.origin,
      entry.event,
      entry.outcome,
      entry.action ?? null,
      entry.target ?? null,
      entry.params === undefined ? null : jsonb(entry.params),
      entry.jobId ?? null,
      entry.statusCode ?? null,
      entry.detail ?? null,
    ],
  );
}

export class JobStore {
  constructor(private readonly db: StateDatabase) {}

  /**
   * Inserts a running job and its `accepted` audit entry in one transaction:
   * a job is never recorded without its audit trail, nor audited without
   * existing. Undefined when the idempotency key is already taken (the caller
   * fetches that job).
   */
  async insertRunning(job: NewJob, accepted: AuditEntry): Promise<JobRecord | undefined> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<JobRow>(
        `INSERT INTO upkeep.jobs (id, action, target, scope, params, dry_run, status, actor, token_name, origin,
                                  idempotency_namespace, idempotency_key, instance_id, started_at, heartbeat_at, progress)
         VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $10, $11, $12, now(), now(), $13)
         ON CONFLICT (idempotency_namespace, idempotency_key) DO NOTHING
         RETURNING *`,
        [
          job.id,
          job.action,
          job.target,
          job.scope,
          jsonb(job.params),
          job.dryRun,
          job.actor,
          job.tokenName ?? null,
          job.origin,
          job.idempotencyKey === undefined ? null : job.idempotencyNamespace,
          job.idempotencyKey ?? null,
          job.instanceId,
          jsonb({ phase: 'starting' }),
        ],
      );
      const row = rows[0];
      if (!row) return undefined;
      await insertAudit(client, { ...accepted, jobId: job.id });
      return jobFromRow(row);
    });
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const { rows } = await this.db.query<JobRow>('SELECT * FROM upkeep.jobs WHERE id = $1', [id]);
    return rows[0] ? jobFromRow(rows[0]) : undefined;
  }

  async byIdempotencyKey(namespace: string, key: string): Promise<JobRecord | undefined> {
    const { rows } = await this.db.query<JobRow>('SELECT * FROM upkeep.jobs WHERE idempotency_namespace = $1 AND idempotency_key = $2', [namespace, key]);
    return rows[0] ? jobFromRow(rows[0]) : undefined;
  }

  /** The unfinished job holding (target, scope), if a job holds it (for the 409 answer). */
  async runningInScope(target: string, scope: string): Promise<JobRecord | undefined> {
    const { rows } = await this.db.query<JobRow>(
      `SELECT * FROM upkeep.jobs WHERE target = $1 AND scope = $2 AND ${UNFINISHED} ORDER BY seq DESC LIMIT 1`,
      [target, scope],
    );
    return rows[0] ? jobFromRow(rows[0]) : undefined;
  }

  async list(filter: JobFilter): Promise<Page<JobRecord>> {
    const { rows } = await this.db.query<JobRow & { seq: string }>(
      `SELECT * FROM upkeep.jobs
        WHERE ($1::text IS NULL OR status = $1)
          AND ($2::text IS NULL OR action = $2)
          AND ($3::text IS NULL OR target = $3)
          AND ($4::bigint IS NULL OR seq < $4)
        ORDER BY seq DESC
        LIMIT $5`,
      [filter.status ?? null, filter.action ?? null, filter.target ?? null, filter.before ?? null, filter.limit + 1],
    );
    const more = rows.length > filter.limit;
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return { items: page.map(jobFromRow), nextCursor: more && last ? String(last.seq) : null };
  }

  async saveProgress(id: string, progress: Json): Promise<void> {
    await this.db.query(`UPDATE upkeep.jobs SET progress = $2 WHERE id = $1 AND ${UNFINISHED}`, [id, jsonb(progress)]);
  }

  /** The running jobs' heartbeat: proof, for the interrupted sweep, that their replica is alive. */
  /** Returns the ids still unfinished in the database: a running job missing from it was declared dead by another replica. */
  async heartbeat(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE upkeep.jobs SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND ${UNFINISHED} RETURNING id`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Ids among `ids` whose cancellation another replica (or this one) recorded. */
  async cancelRequested(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT id FROM upkeep.jobs WHERE id = ANY($1::uuid[]) AND cancel_requested_at IS NOT NULL',
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** Records a cancellation request on an unfinished job; undefined when the job is finished or unknown. */
  async requestCancel(id: string, by: string): Promise<JobRecord | undefined> {
    const { rows } = await this.db.query<JobRow>(
      `UPDATE upkeep.jobs SET cancel_requested_at = coalesce(cancel_requested_at, now()), cancel_requested_by = coalesce(cancel_requested_by, $2)
        WHERE id = $1 AND ${UNFINISHED} RETURNING *`,
      [id, by],
    );
    return rows[0] ? jobFromRow(rows[0]) : undefined;
  }

  /** Records the outcome of an unfinished job; undefined when the job had already finished (another replica declared it interrupted). */
  async finish(id: string, status: JobStatus, progress: Json, result: Json, error: JobError | null): Promise<JobRecord | undefined> {
    const { rows } = await this.db.query<JobRow>(
      `UPDATE upkeep.jobs SET status = $2, finished_at = now(), progress = $3, result = $4, error = $5 WHERE id = $1 AND ${UNFINISHED} RETURNING *`,
      [id, status, jsonb(progress), jsonb(result), error === null ? null : jsonb(error)],
    );
    return rows[0] ? jobFromRow(rows[0]) : undefined;
  }


  /** Other instances with unfinished jobs whose heartbeat stopped `staleSeconds` ago: candidates for the interrupted sweep. */
  async instancesWithStaleJobs(except: string, staleSeconds: number): Promise<string[]> {
    const { rows } = await this.db.query<{ instance_id: string }>(
      `SELECT DISTINCT instance_id FROM upkeep.jobs
        WHERE ${UNFINISHED} AND instance_id <> $1 AND coalesce(heartbeat_at, created_at) < now() - make_interval(secs => $2)`,
      [except, staleSeconds],
    );
    return rows.map((r) => r.instance_id);
  }

  /** Marks the instance's unfinished jobs whose heartbeat stopped as interrupted; returns them. */
  async markInterrupted(instanceId: string, staleSeconds: number, message: string): Promise<JobRecord[]> {
    const { rows } = await this.db.query<JobRow>(
      `UPDATE upkeep.jobs SET status = 'interrupted', finished_at = now(), error = $3
        WHERE instance_id = $1 AND ${UNFINISHED} AND coalesce(heartbeat_at, created_at) < now() - make_interval(secs => $2)
        RETURNING *`,
      [instanceId, staleSeconds, jsonb({ code: 'interrupted', message } satisfies JobError)],
    );
    return rows.map(jobFromRow);
  }

  /** Newest successful real (not dry-run) run per action and target: survives restarts and agrees across replicas. */
  async lastSuccesses(): Promise<{ action: string; target: string; finishedAt: Date }[]> {
    const { rows } = await this.db.query<{ action: string; target: string; finished_at: Date }>(
      `SELECT action, target, max(finished_at) AS finished_at FROM upkeep.jobs
        WHERE status = 'succeeded' AND NOT dry_run GROUP BY action, target`,
    );
    return rows.map((r) => ({ action: r.action, target: r.target, finishedAt: r.finished_at }));
  }

  async audit(entry: AuditEntry): Promise<void> {
    await insertAudit(this.db, entry);
  }

  async listAudit(filter: AuditFilter): Promise<Page<AuditRecord>> {
    const { rows } = await this.db.query<{
      id: string;
      at: Date;
      actor: string;
      token_name: string | null;
      origin: string;
      event: string;
      outcome: string;
      action: string | null;
      target: string | null;
      params: Json;
      job_id: string | null;
      status_code: number | null;
      detail: string | null;
    }>(
      `SELECT * FROM upkeep.audit
        WHERE ($1::text IS NULL OR actor = $1)
          AND ($2::text IS NULL OR action = $2)
          AND ($3::text IS NULL OR target = $3)
          AND ($4::text IS NULL OR outcome = $4)
          AND ($5::bigint IS NULL OR id < $5)
        ORDER BY id DESC
        LIMIT $6`,
      [filter.actor ?? null, filter.action ?? null, filter.target ?? null, filter.outcome ?? null, filter.before ?? null, filter.limit + 1],
    );
    const more = rows.length > filter.limit;
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: Number(r.id),
        at: r.at.toISOString(),
        actor: r.actor,
        tokenName: r.token_name,
        origin: r.origin,
        event: r.event,
        outcome: r.outcome,
        action: r.action,
        target: r.target,
        params: r.params,
        jobId: r.job_id,
        statusCode: r.status_code,
        detail: r.detail,
      })),
      nextCursor: more && last ? String(last.id) : null,
    };
  }
}
