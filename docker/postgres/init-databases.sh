#!/usr/bin/env bash
# One PostgreSQL server, two databases, each owned by its own role: `dagster` (the Dagster
# instance: runs, event logs, schedules; docker/dagster.yaml) and `mlflow` (MLflow's backend
# store). The postgres image runs this once, when its data volume is empty
# (/docker-entrypoint-initdb.d); POSTGRES_USER, DAGSTER_DB_PASSWORD and MLFLOW_DB_PASSWORD come
# from docker/docker-compose.yml. psql reads the passwords from its own environment (\getenv)
# and quotes them itself (:'name'): they are never pasted into the SQL text, nor passed on a
# command line (where `ps` would show them).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres <<'SQL'
\getenv dagster_password DAGSTER_DB_PASSWORD
\getenv mlflow_password MLFLOW_DB_PASSWORD
CREATE ROLE dagster LOGIN PASSWORD :'dagster_password';
CREATE DATABASE dagster OWNER dagster;
CREATE ROLE mlflow LOGIN PASSWORD :'mlflow_password';
CREATE DATABASE mlflow OWNER mlflow;
SQL
