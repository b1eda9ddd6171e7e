#!/bin/bash
# Entrypoint of the service image the tests run in place of the platform's images: real
# PostgreSQL, Redis and Prometheus from Debian's packages, started the way their official images'
# entrypoints do, and the stand-ins (standin.py, airflow, celery) for the services that cannot be
# obtained here. STANDIN_SERVICE names the service; the command the catalog gives the real image
# arrives as arguments.
set -euo pipefail
service=${STANDIN_SERVICE:?STANDIN_SERVICE names the service}

# The official postgres image's contract: PGDATA (default /var/lib/postgresql/data) initialised
# on first start with POSTGRES_PASSWORD, /docker-entrypoint-initdb.d/*.sh|*.sql run once against
# a server listening on its socket only, then postgres in the foreground on every address. Local
# (socket) connections are trusted, as initdb's default in the official image.
run_postgres() {
  export PGDATA=${PGDATA:-/var/lib/postgresql/data}
  [ "${1:-}" = postgres ] && shift
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /run/postgresql
    chown -R postgres:postgres "$PGDATA" /run/postgresql
    chmod 0700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
  fi
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}") >/dev/null
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=/run/postgresql" start >/dev/null
    for script in /docker-entrypoint-initdb.d/*; do
      case "$script" in
        *.sh) echo "running $script"; bash "$script" ;;
        *.sql) echo "running $script"; psql -v ON_ERROR_STOP=1 -h /run/postgresql -U postgres -f "$script" ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/run/postgresql -c jit=off "$@"
}

case "$service" in
  postgres) export PGHOST=/run/postgresql PGUSER=postgres; run_postgres "$@" ;;
  redis) if [ $# -gt 0 ]; then exec "$@"; else exec docker-entrypoint.sh redis-server; fi ;;
  prometheus) exec prometheus "$@" ;;  # the official image's entrypoint is the binary itself
  airflow) exec /entrypoint "$@" ;;
  *) exec /usr/bin/python3 /standin.py "$service" "$@" ;;
esac
