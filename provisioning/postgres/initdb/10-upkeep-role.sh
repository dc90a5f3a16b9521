#!/bin/sh
# Runs once, when the postgres container initialises its data directory:
# a login for the exporter with pg_monitor (read statistics) and
# pg_read_all_data (pg_stats of every table for the bloat estimate; pg_dump),
# and pg_stat_statements for the statement metrics.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v pw="$UPKEEP_DB_PASSWORD" <<'SQL'
CREATE ROLE upkeep LOGIN IN ROLE pg_monitor, pg_read_all_data PASSWORD :'pw';
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL
