#!/bin/sh
# The application's role, created once with the database (the postgres image
# runs /docker-entrypoint-initdb.d on an empty volume). It owns nothing:
# `migrate` runs as the owner, POSTGRES_USER, whose `grant_app_role` then
# gives this role its rights.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set app_role="$APP_DATABASE_ROLE" --set app_password="$APP_DATABASE_PASSWORD" <<'SQL'
CREATE ROLE :"app_role" LOGIN PASSWORD :'app_password'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SQL
