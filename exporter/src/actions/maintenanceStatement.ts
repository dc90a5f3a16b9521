/**
 * The statements of a maintenance job: built by the server from an OID,
 * sent one at a time on the job's own session (VACUUM and REINDEX
 * CONCURRENTLY refuse to run in a transaction block or beside another
 * statement), abandoned at once when the job is cancelled, and their
 * failures put into words an operator can act on.
 */
import type pg from 'pg';
import type { PostgresTarget } from '../targets/postgres.js';
import { MAINTENANCE_LOCK_TIMEOUT_MS } from './maintenanceSession.js';
import type { Json } from './types.js';

/** What the statements run on: a MaintenanceSession (or anything that sends one statement at a time). */
export interface StatementSession {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Catalog reads in `database` through the target's pools (short statement_timeout), shaped like a session. */
export function pooledSession(target: PostgresTarget, database: string): StatementSession {
  return { query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => target.queryDatabase<R>(database, text, values) };
}

/**
 * Every statement a maintenance action may send for one relation. Only
 * these constants ever reach format(): the identifiers come from the
 * catalog row of the OID, quoted by the server.
 */
export const RELATION_STATEMENTS = {
  vacuum: 'VACUUM %I.%I',
  vacuumFull: 'VACUUM (FULL) %I.%I',
  analyze: 'ANALYZE %I.%I',
  reindexTable: 'REINDEX TABLE CONCURRENTLY %I.%I',
  reindexIndex: 'REINDEX INDEX CONCURRENTLY %I.%I',
  dropIndex: 'DROP INDEX CONCURRENTLY %I.%I',
} as const;

export type RelationStatement = (typeof RELATION_STATEMENTS)[keyof typeof RELATION_STATEMENTS];

/** Statements for the whole database the session is connected to. */
export const DATABASE_STATEMENTS = {
  // SKIP_LOCKED: a database-wide run passes over a table someone holds a
  // lock on instead of failing, after hours of work, on the first one;
  // the result lists the tables it did not reach.
  vacuum: 'VACUUM (SKIP_LOCKED)',
  vacuumFull: 'VACUUM (FULL, SKIP_LOCKED)',
  analyze: 'ANALYZE (SKIP_LOCKED)',
  reindex: 'REINDEX DATABASE CONCURRENTLY %I',
} as const;

export type DatabaseStatement = (typeof DATABASE_STATEMENTS)[keyof typeof DATABASE_STATEMENTS];

/**
 * The statement for the relation with this OID, as it is named now (a
 * rename since the job was accepted does not matter). Fails if the
 * relation is gone or is no longer of an expected kind.
 */
export async function relationStatement(session: StatementSession, template: RelationStatement, oid: number, relkinds: readonly string[]): Promise<string> {
  const { rows } = await session.query<{ statement: string }>(
    `SELECT format($1, n.nspname, c.relname) AS statement
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = $2 AND c.relkind::text = ANY ($3::text[])`,
    [template, oid, relkinds],
  );
  const row = rows[0];
  if (!row) throw new MaintenanceFailure(`the relation (OID ${oid}) was dropped after the job was accepted; nothing ran`, 'relation_gone');
  return row.statement;
}

export async function databaseStatement(session: StatementSession, template: DatabaseStatement): Promise<string> {
  const { rows } = await session.query<{ statement: string }>(`SELECT format($1, current_database()) AS statement`, [template]);
  return rows[0]?.statement ?? template;
}

/** A failed maintenance statement, said plainly; `details` goes into the job's error. */
export class MaintenanceFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details?: Json,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MaintenanceFailure';
  }
}

/** The job was cancelled (its signal aborted) while the statement ran. */
export class MaintenanceCancelled extends MaintenanceFailure {
  constructor(message: string, details?: Json, options?: ErrorOptions) {
    super(message, 'cancelled', details, options);
    this.name = 'MaintenanceCancelled';
  }
}

/**
 * Settles like `work`, but rejects the moment `signal` aborts: the session
 * cancels the statement on the server by itself, and a cancelled job must
 * not wait for the server to notice.
 */
export function untilAborted<T>(signal: AbortSignal, work: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new MaintenanceCancelled(`${what} was cancelled`, undefined, { cause: signal.reason }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** A session that held the lock a maintenance statement waited for (from pg_blocking_pids). */
export interface Blocker {
  pid: number;
  user: string | null;
  application: string | null;
  state: string | null;
  transactionStart: string | null;
}

function describeBlocker(b: Blocker): string {
  const who = [b.user && `user ${b.user}`, b.application && `application ${b.application}`, b.state].filter(Boolean).join(', ');
  const since = b.transactionStart ? ` in a transaction since ${b.transactionStart}` : '';
  return `pid ${b.pid}${who ? ` (${who})` : ''}${since}`;
}

const sqlStateOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';
const ADMIN_SHUTDOWN = '57P01';

/**
 * What went wrong while the job was doing `statement` (a statement, or a
 * description like "reading the figures of public.t"), for the job's error;
 * `blockers` are the sessions it last waited for. Once the job's signal has
 * aborted, whatever the session reports is the cancellation.
 */
export function explainFailure(error: unknown, statement: string, blockers: readonly Blocker[], signal: AbortSignal): Error {
  if (error instanceof MaintenanceFailure) return error;
  if (signal.aborted) return new MaintenanceCancelled(`${statement} was cancelled`, undefined, { cause: signal.reason });
  const code = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === LOCK_NOT_AVAILABLE) {
    const holders = blockers.length > 0 ? `: ${blockers.map(describeBlocker).join('; ')}` : '';
    return new MaintenanceFailure(
      `${statement} gave up after waiting ${MAINTENANCE_LOCK_TIMEOUT_MS / 1000} s for a lock held by another session (lock_timeout)${holders}. ` +
        'Maintenance never queues behind a long lock; try again once that session is done.',
      'lock_timeout',
      { statement, blockers: blockers.map((b) => ({ ...b })) },
      { cause: error },
    );
  }
  if (code === QUERY_CANCELED) {
    return new MaintenanceFailure(`${statement} was cancelled on the server (pg_cancel_backend from another session)`, 'cancelled_on_server', { statement }, { cause: error });
  }
  if (code === ADMIN_SHUTDOWN) {
    return new MaintenanceFailure(`${statement} ended: the server terminated its session (pg_terminate_backend or shutdown)`, 'terminated', { statement }, { cause: error });
  }
  return new MaintenanceFailure(`${statement} failed: ${message}${code ? ` (SQLSTATE ${code})` : ''}`, 'statement_failed', { statement, sqlState: code ?? null }, { cause: error });
}
