#!/bin/sh
# First start of the PostgreSQL container only: a database and an owner each for carecase and for
# Temporal (its history and its visibility store). Passwords come from the container's environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v carecase_pw="$CARECASE_DB_PASSWORD" -v temporal_pw="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE carecase LOGIN PASSWORD :'carecase_pw';
CREATE DATABASE carecase OWNER carecase;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_pw';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
