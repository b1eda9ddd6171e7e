#!/usr/bin/env bash
# Starts a real Keycloak for the tests, on loopback ports the kernel picks, backed by a throwaway
# PostgreSQL cluster (Debian's postgresql), and stops both again. Used as the CTest fixture
# keycloak_server; its tests read STATE_DIR/keycloak.json:
#   {"url", "health_url", "hostname", "admin_client_id", "admin_client_secret", "log", "home"}
#   keycloak_server.sh start STATE_DIR   # returns once /health/ready answers 200 (up to 300 s)
#   keycloak_server.sh restart STATE_DIR # Keycloak only, same database and ports; waits again
#   keycloak_server.sh stop STATE_DIR
# Keycloak starts as the catalog starts it: `start --optimized` of the build that
# tests/support/deps/keycloak.sh made, public hostname https://auth.example.com, the admin
# console and the Admin API on the loopback URL (KC_HOSTNAME_ADMIN), back channel dynamic,
# X-Forwarded-* headers trusted, local caches (no JGroups ports), and the bootstrap admin service
# account cairn-admin. Every port is on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state_dir=${2:?usage: keycloak_server.sh start|stop STATE_DIR}
version=$(sed -n 's/^version=//p' "$here/../deps/keycloak.sh")
deps=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}
keycloak_home="$deps/keycloak-$version"
hostname=${CAIRN_KEYCLOAK_HOSTNAME:-https://auth.example.com}

postgres_bin() {
  local best=""
  for bin in /usr/lib/postgresql/*/bin; do [ -x "$bin/initdb" ] && best=$bin; done
  [ -n "$best" ] || { echo "keycloak_server.sh: no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
  echo "$best"
}

# As root, PostgreSQL runs as the postgres user (it refuses root).
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))
PY
}

stop_all() {
  stop_keycloak
  if [ -f "$state_dir/postgres.dir" ]; then
    local pg; pg=$(cat "$state_dir/postgres.dir")
    as_postgres "$(postgres_bin)/pg_ctl" -D "$pg/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$pg" "$state_dir/postgres.dir"
  fi
}

# Starts Keycloak with the settings of keycloak.env, in the background.
launch_keycloak() {
  # shellcheck disable=SC1091
  . "$state_dir/keycloak.env"
  # Keycloak's temporary files go to the state folder, so that two build trees sharing the
  # cached distribution do not share them. The heap is capped: kc.sh's default is 512 MB
  # outside a container, and a container would take 70 % of its memory limit. CAIRN_KEYCLOAK_HEAP
  # replaces it (the footprint benchmark gives the heap of a container).
  mkdir -p "$state_dir/tmp"
  JAVA_OPTS_KC_HEAP=${CAIRN_KEYCLOAK_HEAP:-"-Xms128m -Xmx768m"} JAVA_OPTS_APPEND="-Djava.io.tmpdir=$state_dir/tmp" \
    setsid nohup "$keycloak_home/bin/kc.sh" start --optimized >>"$state_dir/keycloak.log" 2>&1 &
  echo $! > "$state_dir/keycloak.pid"
}

# Waits for /health/ready on the management port (a first start on an empty database migrates it).
wait_ready() {
  local deadline=$(( $(date +%s) + 300 ))
  until curl -sf -o /dev/null "$health"; do
    if ! kill -0 "$(cat "$state_dir/keycloak.pid")" 2>/dev/null; then
      echo "keycloak_server.sh: Keycloak exited while starting; its log:" >&2
      tail -n 40 "$state_dir/keycloak.log" >&2; stop_all; exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "keycloak_server.sh: Keycloak was not ready within 300 s; its log:" >&2
      tail -n 40 "$state_dir/keycloak.log" >&2; stop_all; exit 1
    fi
    sleep 0.5
  done
}

stop_keycloak() {
  [ -f "$state_dir/keycloak.pid" ] || return 0
  local pid; pid=$(cat "$state_dir/keycloak.pid"); rm -f "$state_dir/keycloak.pid"
  # setsid made Keycloak the leader of its own process group: end kc.sh and java together.
  if kill -- "-$pid" 2>/dev/null; then
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 -- "-$pid" 2>/dev/null || true
  fi
}

case "${1:-}" in
  start)
    [ -f "$keycloak_home/.built" ] || {
      echo "keycloak_server.sh: Keycloak $version is not in $keycloak_home; fetch it with: bash tests/support/deps/keycloak.sh" >&2
      exit 1
    }
    mkdir -p "$state_dir"
    stop_all   # a run that died left its servers behind
    : > "$state_dir/keycloak.log"
    started=$(date +%s%3N)
    read -r pg_port http_port management_port < <(free_ports 3)
    secret=$(head -c 24 /dev/urandom | base64 | tr -- '+/' '-_')
    db_password=$(head -c 18 /dev/urandom | base64 | tr -- '+/' '-_')

    pg=$(mktemp -d /tmp/cairn-keycloak-postgres.XXXXXX)
    echo "$pg" > "$state_dir/postgres.dir"
    chmod 0755 "$pg"
    mkdir -p "$pg/data" "$pg/socket"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pg/data" "$pg/socket"
    bin=$(postgres_bin)
    as_postgres "$bin/initdb" -D "$pg/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --no-sync >"$state_dir/initdb.log" 2>&1 || { cat "$state_dir/initdb.log" >&2; exit 1; }
    as_postgres "$bin/pg_ctl" -D "$pg/data" -l "$pg/socket/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c fsync=off -p $pg_port -k $pg/socket" start >/dev/null
    as_postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pg/socket" -p "$pg_port" -U postgres -d postgres \
      -c "CREATE ROLE keycloak LOGIN PASSWORD '$db_password'" -c "CREATE DATABASE keycloak OWNER keycloak"

    # Keycloak's settings, kept for `restart` (0600: they hold the secrets).
    (umask 077; cat > "$state_dir/keycloak.env" <<ENV
export KC_DB_URL=jdbc:postgresql://127.0.0.1:$pg_port/keycloak KC_DB_USERNAME=keycloak KC_DB_PASSWORD=$db_password
export KC_HOSTNAME=$hostname KC_HOSTNAME_ADMIN=http://127.0.0.1:$http_port KC_HOSTNAME_BACKCHANNEL_DYNAMIC=true
export KC_HTTP_ENABLED=true KC_HTTP_HOST=127.0.0.1 KC_HTTP_PORT=$http_port KC_PROXY_HEADERS=xforwarded
export KC_HTTP_MANAGEMENT_PORT=$management_port KC_CACHE=local
export KC_BOOTSTRAP_ADMIN_CLIENT_ID=cairn-admin KC_BOOTSTRAP_ADMIN_CLIENT_SECRET=$secret
health=http://127.0.0.1:$management_port/health/ready
ENV
    )
    launch_keycloak
    wait_ready
    printf '{"url": "http://127.0.0.1:%s", "health_url": "%s", "hostname": "%s", "admin_client_id": "cairn-admin", "admin_client_secret": "%s", "log": "%s", "home": "%s"}\n' \
      "$http_port" "$health" "$hostname" "$secret" "$state_dir/keycloak.log" "$keycloak_home" > "$state_dir/keycloak.json.partial"
    mv "$state_dir/keycloak.json.partial" "$state_dir/keycloak.json"
    echo "keycloak_server.sh: Keycloak $version ready at http://127.0.0.1:$http_port in $(( $(date +%s%3N) - started )) ms"
    ;;
  restart)
    # Keycloak only (PostgreSQL keeps its data): as after an upgrade or a crash.
    [ -f "$state_dir/keycloak.env" ] || { echo "keycloak_server.sh: no Keycloak was started in $state_dir" >&2; exit 1; }
    started=$(date +%s%3N)
    stop_keycloak
    launch_keycloak
    wait_ready
    echo "keycloak_server.sh: Keycloak ready again in $(( $(date +%s%3N) - started )) ms"
    ;;
  stop)
    rm -f "$state_dir/keycloak.json" "$state_dir/keycloak.env"
    stop_all
    ;;
  *)
    echo "usage: keycloak_server.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
