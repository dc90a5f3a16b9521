#!/bin/sh
# Runs once, when the postgres container initialises its data directory: the
# login the streaming standby (postgres-standby in docker-compose.yml) copies
# the primary with and replicates as, allowed in from the compose network.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v pw="$UPKEEP_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator REPLICATION LOGIN PASSWORD :'pw';
SQL
# The image's own rule (host all all all) does not cover replication connections.
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
