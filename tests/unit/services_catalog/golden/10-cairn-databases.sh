#!/usr/bin/env bash
# Rendered by cairn. Creates the databases of Keycloak and Airflow, each owned by its own
# login role: since PostgreSQL 15 only the database owner may create objects in schema
# public. The postgres image runs this once, on an empty data directory; cairn-supervisord
# runs it again (as user postgres, over the local socket) in every new postgres container,
# so that rotated passwords reach the roles, the superuser's (POSTGRES_PASSWORD) included.
# Running it again changes nothing but the passwords. Passwords come from the environment
# and are never printed: quiet psql, terse errors (no statement text), and the server does
# not log this session's statements.
set -Eeuo pipefail
: "${CAIRN_KEYCLOAK_DB_PASSWORD:?must hold the password of role keycloak}"
: "${CAIRN_AIRFLOW_DB_PASSWORD:?must hold the password of role airflow}"

# The passwords reach psql through \set with a backquoted shell builtin (printf), never
# through a command line, which any process on the host could read.
psql -v ON_ERROR_STOP=1 -v VERBOSITY=terse --no-psqlrc --no-password --quiet \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  --set superuser="${POSTGRES_USER:-postgres}" <<'SQL'
\set superuser_password `printf '%s' "${POSTGRES_PASSWORD:-}"`
\set keycloak_password `printf '%s' "$CAIRN_KEYCLOAK_DB_PASSWORD"`
\set airflow_password `printf '%s' "$CAIRN_AIRFLOW_DB_PASSWORD"`
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
SELECT format('ALTER ROLE %I WITH PASSWORD %L', :'superuser', :'superuser_password')
  WHERE :'superuser_password' <> '' \gexec
SELECT format('CREATE ROLE %I LOGIN', 'keycloak')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'keycloak') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', 'keycloak', :'keycloak_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', 'keycloak', 'keycloak')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'keycloak') \gexec
ALTER DATABASE keycloak OWNER TO keycloak;
REVOKE ALL ON DATABASE keycloak FROM PUBLIC;
SELECT format('CREATE ROLE %I LOGIN', 'airflow')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airflow') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', 'airflow', :'airflow_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', 'airflow', 'airflow')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'airflow') \gexec
ALTER DATABASE airflow OWNER TO airflow;
REVOKE ALL ON DATABASE airflow FROM PUBLIC;
SQL
