/**
 * Whether the exporter's role may maintain a table, asked before the job
 * starts. VACUUM and ANALYZE do not fail on a table the role may not
 * maintain: they skip it with a WARNING and report success, so without
 * this check a job would "succeed" having done nothing.
 *
 * The rule changed in PostgreSQL 17, which added the MAINTAIN privilege
 * (held by owners, grantable, and implied by the pg_maintain role). Before
 * it: the table's owner (or a member of the owning role) or a superuser;
 * VACUUM and ANALYZE also let the database owner through.
 */
import type { PostgresServerInfo, PostgresTarget } from '../targets/postgres.js';
import { displayName, type ResolvedTable } from './relationResolver.js';
import { ActionRejection } from './types.js';

export type MaintenanceCommand = 'VACUUM' | 'ANALYZE' | 'REINDEX';

const MAINTAIN_PRIVILEGE_VERSION = 170000;

/** Table-level checks, branched by version in SQL text: 'MAINTAIN' is an error before 17, not merely false. */
function tableCheck(command: MaintenanceCommand, versionNum: number): string {
  const ownsTable = versionNum >= MAINTAIN_PRIVILEGE_VERSION ? `has_table_privilege(c.oid, 'MAINTAIN')` : `pg_has_role(c.relowner, 'USAGE')`;
  return command === 'REINDEX' ? ownsTable : `${ownsTable} OR pg_has_role(d.datdba, 'USAGE')`;
}

function tableRule(command: MaintenanceCommand, versionNum: number): string {
  const owner = versionNum >= MAINTAIN_PRIVILEGE_VERSION ? 'have the MAINTAIN privilege on it (pg_maintain grants it everywhere)' : 'own it (or be a member of its owning role)';
  return command === 'REINDEX' ? owner : `${owner} or own the database`;
}

export async function requireTablePrivilege(
  target: PostgresTarget,
  database: string,
  table: ResolvedTable,
  command: MaintenanceCommand,
  info: PostgresServerInfo,
): Promise<void> {
  const { rows } = await target.queryDatabase<{ allowed: boolean; role: string }>(
    database,
    `SELECT (${tableCheck(command, info.versionNum)}) AS allowed, current_user AS role
       FROM pg_class c CROSS JOIN pg_database d
      WHERE c.oid = $1 AND d.datname = current_database()`,
    [table.oid],
  );
  const row = rows[0];
  if (!row) throw new ActionRejection(404, 'unknown_table', `table ${displayName(table)} was dropped while the job was being prepared`);
  if (!row.allowed) {
    throw new ActionRejection(
      422,
      'insufficient_privilege',
      `the exporter's role ${row.role} may not ${command} ${displayName(table)}: it must ${tableRule(command, info.versionNum)}`,
    );
  }
}

/** REINDEX DATABASE is refused outright (not skipped table by table) unless the role owns the database. */
export async function requireDatabaseReindexPrivilege(target: PostgresTarget, database: string, info: PostgresServerInfo): Promise<void> {
  const maintainRole = info.versionNum >= MAINTAIN_PRIVILEGE_VERSION ? ` OR pg_has_role('pg_maintain', 'USAGE')` : '';
  const { rows } = await target.query<{ allowed: boolean; role: string }>(
    `SELECT (pg_has_role(datdba, 'USAGE')${maintainRole}) AS allowed, current_user AS role FROM pg_database WHERE datname = $1`,
    [database],
  );
  const row = rows[0];
  if (!row) throw new ActionRejection(404, 'unknown_database', `database ${database} was dropped while the job was being prepared`);
  if (!row.allowed) {
    const rule = maintainRole ? 'own it or have the pg_maintain role' : 'own it';
    throw new ActionRejection(422, 'insufficient_privilege', `the exporter's role ${row.role} may not REINDEX DATABASE ${database}: it must ${rule}`);
  }
}
