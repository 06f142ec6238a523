#!/bin/sh
# Temporal's own schema tool: set the schema up on an empty database, then bring it to the
# version this server image ships (each step is a no-op when already done).
set -eu
tool() { temporal-sql-tool --plugin postgres12 --ep postgres -p 5432 -u temporal --pw "$SQL_PASSWORD" "$@"; }
schemas=/etc/temporal/schema/postgresql/v12
for db in temporal temporal_visibility; do
  case "$db" in
    temporal) versioned="$schemas/temporal/versioned" ;;
    *) versioned="$schemas/visibility/versioned" ;;
  esac
  tool --db "$db" setup-schema -v 0.0 2>/dev/null || true   # refuses, harmlessly, once set up
  tool --db "$db" update-schema -d "$versioned"
done
