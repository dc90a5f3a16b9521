/**
 * The demo's shop database: a few tables with data, a table whose autovacuum
 * is off and that collects dead tuples (the "detect → act → verify" story),
 * pg_stat_statements, and a least-privilege monitoring role for the exporter.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { EmbeddedCluster } from './embeddedPostgres.js';

export const DEMO_DATABASE = 'shop';
export const MONITOR_ROLE = 'upkeep';
export const STATE_DATABASE = 'upkeep_state';

export interface DemoDatabase {
  /** The exporter's connection: the monitoring role, to the maintenance database. */
  monitorDsn: string;
  /** The workload's connection: the superuser, to the shop database. */
  workloadDsn: string;
  /** Where the demo's jobs and audit log live. */
  stateDsn: string;
}

const SHOP_SCHEMA = `
CREATE TABLE customers (
  id         bigserial PRIMARY KEY,
  email      text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id          bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers,
  status      text NOT NULL,
  total_cents integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
-- Churned by the workload and never autovacuumed: its dead tuples grow until
-- someone runs VACUUM, which is the maintenance loop Upkeep is about.
CREATE TABLE sessions (
  id          bigserial PRIMARY KEY,
  customer_id bigint NOT NULL,
  last_seen   timestamptz NOT NULL DEFAULT now(),
  payload     text NOT NULL
) WITH (autovacuum_enabled = false);
CREATE TABLE events (
  id   bigserial PRIMARY KEY,
  kind text NOT NULL,
  at   timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL
);

INSERT INTO customers (email)
  SELECT 'customer' || g || '@example.com' FROM generate_series(1, 5000) g;
INSERT INTO orders (customer_id, status, total_cents, created_at)
  SELECT 1 + (g % 5000), (ARRAY['new','paid','shipped','returned'])[1 + g % 4], 100 + (g * 37) % 90000,
         now() - (g || ' minutes')::interval
    FROM generate_series(1, 50000) g;
INSERT INTO sessions (customer_id, payload)
  SELECT 1 + (g % 5000), repeat('x', 200) FROM generate_series(1, 20000) g;
INSERT INTO events (kind, body)
  SELECT 'page_view', jsonb_build_object('path', '/product/' || g) FROM generate_series(1, 10000) g;

-- Some dead tuples from the start, so the bloat story is visible at once.
UPDATE sessions SET last_seen = now(), payload = repeat('y', 200) WHERE id % 2 = 0;
DELETE FROM orders WHERE id % 10 = 0;
ANALYZE customers, orders, events;
`;

async function withClient<T>(dsn: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: dsn, application_name: 'upkeep-demo-setup' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDemoDatabase(cluster: EmbeddedCluster): Promise<DemoDatabase> {
  const monitorPassword = randomBytes(18).toString('base64url');
  await withClient(cluster.dsn('postgres'), async (client) => {
    await client.query(`CREATE DATABASE ${DEMO_DATABASE}`);
    // pg_monitor reads every statistics view; pg_read_all_data lets the bloat
    // estimate see pg_stats of every table (and pg_dump read them).
    // The same role runs the demo's maintenance actions: pg_maintain (PG 17+)
    // may VACUUM, ANALYZE and REINDEX every table, pg_signal_backend may
    // cancel and terminate other sessions.
    await client.query(`CREATE ROLE ${MONITOR_ROLE} LOGIN IN ROLE pg_monitor, pg_read_all_data, pg_maintain, pg_signal_backend PASSWORD '${monitorPassword}'`);
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query(`GRANT EXECUTE ON FUNCTION pg_stat_statements_reset(oid, oid, bigint, boolean) TO ${MONITOR_ROLE}`);
    // Jobs and the audit log of the demo live here (the `state` database).
    await client.query(`CREATE DATABASE ${STATE_DATABASE}`);
  });
  await withClient(cluster.dsn(DEMO_DATABASE), async (client) => {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query(SHOP_SCHEMA);
  });
  return {
    monitorDsn: `postgresql://${MONITOR_ROLE}:${encodeURIComponent(monitorPassword)}@${cluster.host}:${cluster.port}/postgres`,
    workloadDsn: cluster.dsn(DEMO_DATABASE),
    stateDsn: cluster.dsn(STATE_DATABASE),
  };
}
