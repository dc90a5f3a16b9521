/**
 * Progress of a running maintenance statement, read from PostgreSQL's own
 * progress views by the backend's pid every half second and turned into
 * JobProgress: the view's phase, a percentage where the view counts blocks,
 * the relation being worked on, and who holds the lock it waits for.
 *
 * The views (and pg_stat_activity) describe every backend of the server
 * whichever database one is connected to, so polling uses the target's
 * own pool, never the job's session (which is busy with the statement).
 * Their columns change between versions (PostgreSQL 17 renamed the
 * dead-tuple counters of pg_stat_progress_vacuum): the row is read whole
 * as JSON and only the block counters every version has are interpreted.
 */
import type { Logger } from '../log.js';
import type { PostgresTarget } from '../targets/postgres.js';
import type { Blocker } from './maintenanceStatement.js';
import type { JobProgress } from './types.js';

export type ProgressView = 'vacuum' | 'cluster' | 'analyze' | 'create_index';

export const PROGRESS_INTERVAL_MS = 500;
/** Counting finished tables reads the statistics of every table: every few polls is often enough. */
const SWEEP_COUNT_EVERY = 4;

type ProgressRow = Record<string, unknown>;

interface ViewSpec {
  relation: string;
  /** Columns holding OIDs of relations: shown by name, not number. */
  relationColumns: readonly string[];
  percent(row: ProgressRow): number | undefined;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function ratio(done: unknown, total: unknown): number | undefined {
  const d = num(done);
  const t = num(total);
  if (d === undefined || t === undefined || t <= 0) return undefined;
  return Math.min(100, (100 * d) / t);
}

const VIEWS: Readonly<Record<ProgressView, ViewSpec>> = {
  vacuum: {
    relation: 'pg_stat_progress_vacuum',
    relationColumns: ['relid'],
    percent: (row) => ratio(row.heap_blks_scanned, row.heap_blks_total),
  },
  // VACUUM FULL reports here (command 'VACUUM FULL'), not in pg_stat_progress_vacuum.
  cluster: {
    relation: 'pg_stat_progress_cluster',
    relationColumns: ['relid', 'cluster_index_relid'],
    percent: (row) => ratio(row.heap_blks_scanned, row.heap_blks_total),
  },
  analyze: {
    relation: 'pg_stat_progress_analyze',
    relationColumns: ['relid', 'current_child_table_relid'],
    percent: (row) => ratio(row.sample_blks_scanned, row.sample_blks_total),
  },
  // REINDEX reports here; blocks while building and validating, tuples while sorting.
  create_index: {
    relation: 'pg_stat_progress_create_index',
    relationColumns: ['relid', 'index_relid'],
    percent: (row) => ratio(row.blocks_done, row.blocks_total) ?? ratio(row.tuples_done, row.tuples_total),
  },
};

/** Identifiers of the backend, not progress: left out of the detail. */
const NOT_DETAIL = new Set(['pid', 'datid', 'datname', 'phase']);

const BLOCKERS = `
  CASE WHEN a.wait_event_type = 'Lock' THEN (
    SELECT coalesce(json_agg(json_build_object('pid', b.pid, 'user', b.usename, 'application', b.application_name,
                                               'state', b.state, 'transactionStart', b.xact_start) ORDER BY b.pid), '[]'::json)
      FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))) END AS blockers`;

/** The view name is one of the constants above, never input. */
const pollQuery = (view: ViewSpec) => `
  SELECT a.wait_event_type, ${BLOCKERS}, to_jsonb(p) AS progress
    FROM pg_stat_activity a LEFT JOIN ${view.relation} p ON p.pid = a.pid
   WHERE a.pid = $1`;

const ACTIVITY_QUERY = `SELECT a.wait_event_type, ${BLOCKERS}, NULL::jsonb AS progress FROM pg_stat_activity a WHERE a.pid = $1`;

interface PollRow {
  wait_event_type: string | null;
  blockers: Blocker[] | null;
  progress: ProgressRow | null;
}

export interface DatabaseSweep {
  /** Tables the statement will visit. */
  total: number;
  /** Tables it has finished, from the statistics (last_vacuum / last_analyze since the start). */
  countDone(): Promise<number>;
}

export interface ProgressWatchOptions {
  target: PostgresTarget;
  /** The database the statement runs in: relation OIDs are looked up there. */
  database: string;
  pid: number;
  /** Where to read progress; undefined when the server has no view for the statement. */
  view: ProgressView | undefined;
  /** The phase to report while the view has no row (between tables, before the first report). */
  idlePhase: string;
  report(progress: JobProgress): void;
  sweep?: DatabaseSweep;
  log: Logger;
  intervalMs?: number;
}

export class ProgressWatch {
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private polls = 0;
  private tablesDone: number | undefined;
  private readonly names = new Map<number, string>();
  private blockers: Blocker[] = [];
  private view: ProgressView | undefined;
  private idlePhase: string;
  private sweep: DatabaseSweep | undefined;

  private constructor(private readonly options: ProgressWatchOptions) {
    this.view = options.view;
    this.idlePhase = options.idlePhase;
    this.sweep = options.sweep;
  }

  static start(options: ProgressWatchOptions): ProgressWatch {
    const watch = new ProgressWatch(options);
    watch.schedule(0);
    return watch;
  }

  /** The next statement of the job reports in `view`; one watch follows the whole job, so a wait for a lock is seen whatever the session is doing. */
  track(view: ProgressView | undefined, idlePhase: string, sweep?: DatabaseSweep): void {
    this.view = view;
    this.idlePhase = idlePhase;
    this.sweep = sweep;
    this.tablesDone = undefined;
    this.polls = 0;
  }

  /** The sessions the statement was waiting for at the last poll, if it was waiting for a lock. */
  get lastBlockers(): readonly Blocker[] {
    return this.blockers;
  }

  /** Stops polling; resolves once no poll is under way, so nothing is reported after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.poll().finally(() => this.schedule(this.options.intervalMs ?? PROGRESS_INTERVAL_MS));
    }, delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const progress = await this.read();
      if (progress && !this.stopped) this.options.report(progress);
    } catch (error) {
      // A missed poll costs one progress update; the statement goes on regardless.
      this.options.log.debug('job.progress_poll_failed', { pid: this.options.pid, error });
    }
  }

  private async read(): Promise<JobProgress | undefined> {
    const { options } = this;
    const sweep = this.sweep;
    if (sweep && this.polls++ % SWEEP_COUNT_EVERY === 0) this.tablesDone = await sweep.countDone();
    // Without a view, pg_stat_activity alone still tells a wait for a lock.
    const spec = this.view ? VIEWS[this.view] : undefined;
    const { rows } = await options.target.query<PollRow>(spec ? pollQuery(spec) : ACTIVITY_QUERY, [options.pid]);
    const row = rows[0];
    if (!row) return undefined; // the backend is gone: the statement has ended
    this.blockers = row.wait_event_type === 'Lock' ? (row.blockers ?? []) : [];
    const progress = row.progress && row.progress.pid !== null ? row.progress : undefined;
    return this.progressOf(spec, progress, row.wait_event_type);
  }

  private async progressOf(spec: ViewSpec | undefined, row: ProgressRow | undefined, waitEventType: string | null): Promise<JobProgress> {
    const detail: Record<string, unknown> = {};
    let phase = this.idlePhase;
    let percent: number | undefined;
    if (spec && row) {
      phase = typeof row.phase === 'string' ? row.phase : phase;
      percent = spec.percent(row);
      for (const [column, value] of Object.entries(row)) {
        if (NOT_DETAIL.has(column) || value === null) continue;
        if (spec.relationColumns.includes(column)) {
          // to_jsonb() writes an oid as a string.
          const oid = Number(value);
          if (Number.isInteger(oid) && oid !== 0) detail[column.replace(/_?relid$/, '') || 'relation'] = await this.nameOf(oid);
        } else {
          detail[column] = value;
        }
      }
    }
    if (waitEventType === 'Lock') {
      if (!row) phase = 'waiting for a lock';
      detail.waitingFor = this.blockers.map((b) => ({ ...b }));
    }
    const sweep = this.sweep;
    if (sweep && this.tablesDone !== undefined) {
      detail.tablesDone = this.tablesDone;
      detail.tablesTotal = sweep.total;
      if (sweep.total > 0) percent = Math.min(100, (100 * (this.tablesDone + (percent ?? 0) / 100)) / sweep.total);
    }
    return { phase, ...(percent !== undefined ? { percent: Math.round(percent * 10) / 10 } : {}), detail };
  }

  /** `schema.name` of a relation of the job's database; a relation not committed yet (REINDEX's new index) keeps its OID. */
  private async nameOf(oid: number): Promise<string> {
    const known = this.names.get(oid);
    if (known !== undefined) return known;
    const { rows } = await this.options.target.queryDatabase<{ name: string }>(
      this.options.database,
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`,
      [oid],
    );
    const name = rows[0]?.name;
    if (name === undefined) return `OID ${oid}`;
    this.names.set(oid, name);
    return name;
  }
}
