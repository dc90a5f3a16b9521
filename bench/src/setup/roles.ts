/**
 * One login role per exporter, so that each one's database time can be read
 * from pg_stat_statements by user id without counting anyone else's work.
 */

export const ROLES = {
  upkeep: 'bench_upkeep',
  pgexpDefault: 'bench_pgexp_default',
  pgexpQueries: 'bench_pgexp_queries',
  workload: 'bench_workload',
} as const;

/**
 * Statements that create the roles. Upkeep also gets pg_read_all_data: its
 * bloat estimate reads pg_stats, which shows a table's statistics only to
 * roles that may read the table (README, Privileges). postgres_exporter's
 * documentation asks for pg_monitor only.
 */
export const CREATE_ROLES: readonly string[] = [
  `CREATE ROLE ${ROLES.upkeep} LOGIN IN ROLE pg_monitor, pg_read_all_data`,
  `CREATE ROLE ${ROLES.pgexpDefault} LOGIN IN ROLE pg_monitor`,
  `CREATE ROLE ${ROLES.pgexpQueries} LOGIN IN ROLE pg_monitor`,
  `CREATE ROLE ${ROLES.workload} LOGIN`,
];
