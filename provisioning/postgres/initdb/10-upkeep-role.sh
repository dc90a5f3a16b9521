#!/bin/sh
# Runs once, when the postgres container initialises its data directory:
# - a login for the exporter with pg_monitor (read statistics),
#   pg_read_all_data (pg_stats of every table for the bloat estimate; pg_dump)
#   and pg_signal_backend (the cancel-query and terminate-backend actions),
#   allowed to reset pg_stat_statements (the reset-statements action);
# - pg_stat_statements for the statement metrics;
# - a schema the exporter owns, where it creates its replication heartbeat table;
# - the state database for jobs and the audit log, owned by the exporter.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v pw="$UPKEEP_DB_PASSWORD" <<'SQL'
CREATE ROLE upkeep LOGIN IN ROLE pg_monitor, pg_read_all_data, pg_signal_backend PASSWORD :'pw';
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
-- Every overload: the function gained parameters in PostgreSQL 12 and 17.
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname = 'pg_stat_statements_reset' LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO upkeep', f);
  END LOOP;
END $$;
CREATE SCHEMA upkeep AUTHORIZATION upkeep;
CREATE DATABASE upkeep_state OWNER upkeep;
SQL
