/**
 * The optional replication heartbeat: every `intervalSeconds` the exporter
 * writes the current time into a one-row table on the primary. The row
 * reaches every standby through WAL, so `now() - heartbeat` there is the true
 * end-to-end lag, even when the application writes nothing (where replay
 * timestamps stand still and positions agree, hiding a broken stream).
 *
 * On a standby the write is skipped; the table is created on first use, so
 * the exporter's role needs CREATE on the schema (or create it beforehand).
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import { errorMessage } from '../log.js';

export interface HeartbeatConfig {
  /** `schema.table`, validated as two plain identifiers by the config schema. */
  table: string;
  intervalSeconds: number;
}

interface Queryable {
  readonly name: string;
  readonly info: { role: 'primary' | 'standby' } | undefined;
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** The table name quoted part by part, so no configuration value is ever spliced in raw. */
export function quotedTable(table: string): string {
  const [schema, name] = table.split('.');
  if (schema === undefined || name === undefined) throw new Error(`heartbeat table ${table} is not schema.table`);
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
}

/** SQL state of "cannot execute INSERT in a read-only transaction": the target is (now) a standby. */
const READ_ONLY_TRANSACTION = '25006';
const UNDEFINED_TABLE = '42P01';

export class HeartbeatWriter {
  private timer: NodeJS.Timeout | undefined;
  private tableReady = false;
  private lastProblem: string | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly table: string;

  constructor(
    private readonly target: Queryable,
    private readonly config: HeartbeatConfig,
    private readonly log: Logger,
  ) {
    this.table = quotedTable(config.table);
  }

  start(): void {
    if (this.timer) return;
    this.kick();
    this.timer = setInterval(() => this.kick(), this.config.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** A slow beat (server stalled) must not pile up behind itself: skip while one is under way. */
  private kick(): void {
    this.running ??= this.beat().finally(() => (this.running = undefined));
  }

  /**
   * Stops the timer. A beat under way is not awaited (the pool's bounded
   * close takes care of it); its outcome is no longer logged.
   */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
  }

  /** One write; failures are logged when they start and when they end, never thrown. */
  async beat(): Promise<void> {
    if (this.stopped || this.target.info?.role === 'standby') return;
    try {
      if (!this.tableReady) {
        await this.target.query(
          `CREATE TABLE IF NOT EXISTS ${this.table} (
             id int PRIMARY KEY CHECK (id = 1),
             beat timestamptz NOT NULL
           )`,
        );
        this.tableReady = true;
      }
      await this.target.query(
        `INSERT INTO ${this.table} (id, beat) VALUES (1, clock_timestamp())
         ON CONFLICT (id) DO UPDATE SET beat = excluded.beat`,
      );
      this.report(undefined);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === READ_ONLY_TRANSACTION) return; // promoted/demoted between probes: the next beat sees the role
      if (code === UNDEFINED_TABLE) this.tableReady = false; // dropped under us: create it again next time
      this.report(error);
    }
  }

  private report(error: unknown): void {
    const problem = error === undefined ? undefined : errorMessage(error);
    if (problem === this.lastProblem || this.stopped) return;
    if (problem === undefined) this.log.info('heartbeat.recovered', { target: this.target.name, table: this.config.table });
    else this.log.warn('heartbeat.write_failed', { target: this.target.name, table: this.config.table, error: problem });
    this.lastProblem = problem;
  }
}
