/**
 * A light, steady workload on the demo database so the metrics move: point
 * lookups (cache hits), inserts, updates that leave dead tuples, and now and
 * then a scan. About a dozen statements a second.
 */
import pg from 'pg';
import type { Logger } from '../log.js';

export interface Workload {
  stop(): Promise<void>;
}

const TICK_MS = 1000;

const lookups = [
  'SELECT email FROM customers WHERE id = $1',
  'SELECT id, status, total_cents FROM orders WHERE customer_id = $1 ORDER BY id DESC LIMIT 5',
];

export function startWorkload(dsn: string, log: Logger): Workload {
  const pool = new pg.Pool({ connectionString: dsn, application_name: 'upkeep-demo-workload', max: 2 });
  pool.on('error', (err) => log.debug('demo.workload_connection_lost', { error: err }));
  let tick = 0;
  let running: Promise<void> | undefined;
  let failing = false;

  const randomCustomer = () => 1 + Math.floor(Math.random() * 5000);
  const once = async () => {
    tick++;
    for (let i = 0; i < 5; i++) {
      for (const sql of lookups) await pool.query(sql, [randomCustomer()]);
    }
    await pool.query('INSERT INTO events (kind, body) VALUES ($1, $2)', ['page_view', { customer: randomCustomer() }]);
    await pool.query("UPDATE sessions SET last_seen = now(), payload = md5(random()::text) WHERE id = $1", [1 + Math.floor(Math.random() * 20000)]);
    if (tick % 10 === 0) {
      await pool.query("SELECT status, count(*), sum(total_cents) FROM orders WHERE created_at > now() - interval '7 days' GROUP BY status");
    }
  };

  const timer = setInterval(() => {
    if (running) return; // a slow tick is skipped, never stacked
    running = once()
      .then(() => {
        if (failing) log.info('demo.workload_recovered');
        failing = false;
      })
      .catch((err: unknown) => {
        if (!failing) log.warn('demo.workload_failed', { error: err });
        failing = true;
      })
      .finally(() => {
        running = undefined;
      });
  }, TICK_MS);

  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      await pool.end();
    },
  };
}
