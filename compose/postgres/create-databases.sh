#!/bin/sh
# Runs once, when a PostgreSQL server of compose.yaml starts on an empty data volume
# (/docker-entrypoint-initdb.d): one login role and one database it owns per entry of SHOP_DATABASES,
# "role:database:PASSWORD_VARIABLE" separated by spaces. Each service connects as its own role, never as
# the superuser. A role's password comes from the variable the entry names (set in .env, see .env.example).
set -eu

for entry in ${SHOP_DATABASES:?SHOP_DATABASES is not set: list role:database:PASSWORD_VARIABLE entries}; do
  role=${entry%%:*}
  rest=${entry#*:}
  database=${rest%%:*}
  variable=${rest#*:}
  password=$(printenv "$variable" || true)
  if [ -z "$password" ]; then
    echo "create-databases: $variable is empty; set it in .env (node tools/compose-secrets.ts writes it)" >&2
    exit 1
  fi
  echo "create-databases: role $role, database $database"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="$role" -v password="$password" -v database="$database" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
SQL
done
