/**
 * The state schema, as numbered migrations applied in order at start-up.
 * A migration is never edited once released: a change is a new entry.
 * Several exporter replicas may start at once; `migrate` serialises them
 * with a transaction-level advisory lock, so each migration runs once.
 */
import type pg from 'pg';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const STATE_SCHEMA = 'upkeep';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'jobs, audit log, schedule claims',
    sql: `
      CREATE TABLE upkeep.jobs (
        id uuid PRIMARY KEY,
        -- Creation order, for stable pagination (timestamps can tie).
        seq bigserial UNIQUE,
        action text NOT NULL,
        target text NOT NULL,
        scope text NOT NULL,
        params jsonb NOT NULL,
        dry_run boolean NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
        progress jsonb,
        actor text NOT NULL,
        token_name text,
        origin text NOT NULL,
        -- Keys are per caller (a token, the CLI, a schedule): one caller cannot
        -- take over another's key.
        idempotency_namespace text,
        idempotency_key text,
        instance_id uuid NOT NULL,
        -- Refreshed every second by the replica running the job: a replica is
        -- judged dead only when its presence lock is free AND its jobs' hearts stopped.
        heartbeat_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        cancel_requested_at timestamptz,
        cancel_requested_by text,
        result jsonb,
        error jsonb,
        UNIQUE (idempotency_namespace, idempotency_key)
      );
      CREATE INDEX jobs_unfinished ON upkeep.jobs (instance_id) WHERE status IN ('queued', 'running');

      CREATE TABLE upkeep.audit (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor text NOT NULL,
        token_name text,
        origin text NOT NULL,
        event text NOT NULL,
        outcome text NOT NULL,
        action text,
        target text,
        params jsonb,
        job_id uuid,
        status_code integer,
        detail text
      );
      CREATE INDEX audit_by_time ON upkeep.audit (id DESC);

      -- One row per schedule tick that some replica claimed: the primary key
      -- is what makes a tick run once however many replicas see it.
      CREATE TABLE upkeep.schedule_runs (
        schedule text NOT NULL,
        fire_time timestamptz NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        instance_id uuid NOT NULL,
        outcome text NOT NULL,
        job_id uuid,
        detail text,
        PRIMARY KEY (schedule, fire_time)
      );
    `,
  },
];

/** Arbitrary constant: the advisory lock that serialises migrations (other locks use 64-bit hashes, advisoryLocks.ts). */
export const MIGRATION_LOCK_KEY = 0x55504b31;

/** Applies the migrations not yet applied; returns the versions it applied. */
export async function migrate(client: pg.ClientBase): Promise<number[]> {
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    // Released at commit; a second replica waits here, then finds nothing to do.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.schema_migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${STATE_SCHEMA}.schema_migrations`);
    const done = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    if (newest > known) {
      throw new Error(`the state schema is at version ${newest}, newer than this exporter knows (${known}); upgrade the exporter`);
    }
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${STATE_SCHEMA}.schema_migrations (version, description) VALUES ($1, $2)`, [migration.version, migration.description]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return applied;
}
