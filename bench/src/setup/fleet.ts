/**
 * Many small PostgreSQL servers for the multi-target run: one initdb, a few
 * tables, then copies of the stopped data directory, each on a port of its
 * own. Separate servers, not databases of one server, so that each target
 * costs the exporter what a real one does (a pool, a probe, its own catalog).
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../../exporter/src/freePort.js';
import { makeServerOwnedDirectory, PostgresCluster, stopClustersUnder } from '../../../test/harness/postgresCluster.js';
import { runAsServerUser } from '../../../test/harness/processes.js';
import { onTeardown } from '../teardown.js';
import { progress } from '../progress.js';
import { ROLES } from './roles.js';

export interface FleetServer {
  name: string;
  port: number;
  dsn: string;
}

const SMALL_SERVER: Record<string, string | number | boolean> = {
  shared_buffers: '16MB',
  max_connections: 20,
  max_wal_senders: 2,
  max_replication_slots: 2,
  wal_keep_size: 0,
  'pg_stat_statements.max': 1000,
  'pg_stat_statements.track': 'top',
  // Fifty launchers waking up would only add noise to the measurement.
  autovacuum: false,
};

const STARTS_AT_ONCE = 4;

/** Ports must differ from one another, and freePort alone cannot know which ones the others picked. */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function prepareTemplate(binDir: string, root: string): Promise<PostgresCluster> {
  const template = await PostgresCluster.createPrimary(binDir, { directory: join(root, 'template'), settings: SMALL_SERVER });
  await template.query(`CREATE ROLE ${ROLES.upkeep} LOGIN IN ROLE pg_monitor, pg_read_all_data`);
  await template.query('CREATE EXTENSION pg_stat_statements');
  for (let i = 1; i <= 5; i++) {
    await template.query(`CREATE TABLE small_${i} (id int PRIMARY KEY, payload text)`);
    await template.query(`INSERT INTO small_${i} SELECT g, md5(g::text) FROM generate_series(1, ${i * 200}) g`);
    await template.query(`DELETE FROM small_${i} WHERE id % 5 = 0`);
    await template.query(`SELECT count(*) FROM small_${i} WHERE id < ${i}`);
  }
  await template.query('ANALYZE');
  await template.stop('fast');
  return template;
}

export async function buildFleet(binDir: string, root: string, count: number): Promise<FleetServer[]> {
  await makeServerOwnedDirectory(root);
  onTeardown('stop the fleet', () => stopClustersUnder(root, binDir), 'server');
  const template = await prepareTemplate(binDir, root);
  const ports = await distinctPorts(count);
  const servers = ports.map((port, i) => ({ name: `pg${String(i + 1).padStart(2, '0')}`, port, dsn: `postgresql://${ROLES.upkeep}@127.0.0.1:${port}/postgres` }));
  let next = 0;
  let started = 0;
  const starter = async () => {
    while (next < servers.length) {
      const server = servers[next++]!;
      const directory = join(root, server.name);
      const dataDir = join(directory, 'data');
      await makeServerOwnedDirectory(directory);
      await runAsServerUser('cp', ['-a', template.dataDir, dataDir]);
      // The copied postgresql.conf carries the template's port; later lines win.
      await appendFile(join(dataDir, 'postgresql.conf'), `\nport = ${server.port}\n`);
      await runAsServerUser(join(binDir, 'pg_ctl'), ['-D', dataDir, 'start', '-w', '-t', '60', '-l', join(directory, 'server.log')], { cwd: directory });
      started += 1;
      if (started % 10 === 0) progress(`fleet: ${started}/${servers.length} servers started`);
    }
  };
  await Promise.all(Array.from({ length: STARTS_AT_ONCE }, starter));
  return servers;
}
