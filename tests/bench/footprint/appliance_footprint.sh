#!/bin/bash
# Benchmark, not a test: the memory of the appliance at rest beside the catalog's limits, for the
# README's footprint table. The catalog as cairnctl renders it runs under cairn-supervisord on the
# real Docker engine with every real image this machine can run: Airflow (tests/support/
# airflow_image, one worker of the default concurrency) and PostgreSQL, Redis and Prometheus
# (Debian's, in tests/support/service_image). Keycloak runs from its server distribution as
# tests/support/keycloak/keycloak_server.sh starts it, with the heap its container would get under
# the catalog's limit, and oauth2-proxy as the binary tests/support/deps/oauth2_proxy.sh builds.
# Grafana and Loki cannot be obtained here: their rows give the limit only. After IDLE seconds at
# rest (default 180) it prints one Markdown table: each container's limit, `docker stats` and the
# PSS of its processes, then the sum of the default catalog's limits against a VPS of 8 GB.
#   appliance_footprint.sh CAIRNCTL SUPERVISORD AIRFLOW_IMAGE   (as root, Docker engine running)
set -euo pipefail
ctl=${1:?usage: appliance_footprint.sh CAIRNCTL SUPERVISORD AIRFLOW_IMAGE}
supervisord=${2:?}
airflow_image=${3:?}
idle=${FOOTPRINT_IDLE_SECONDS:-180}
here=$(cd "$(dirname "$0")" && pwd)
support=$(cd "$here/../../support" && pwd)
mib() { echo $(( $1 / 1048576 )); }

root=$(mktemp -d /tmp/cairn-test-footprint.XXXXXX)
default_root=$(mktemp -d /tmp/cairn-test-footprint-default.XXXXXX)
keycloak_state=$(mktemp -d /tmp/cairn-test-footprint-keycloak.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$support/keycloak/keycloak_server.sh" stop "$keycloak_state" >/dev/null 2>&1 || true
  for kind in "ps -a:ID:rm -f" "network ls:ID:network rm" "volume ls:Name:volume rm"; do
    IFS=: read -r list key remove <<<"$kind"
    # shellcheck disable=SC2086  # list and remove are docker subcommands with options
    docker $list --filter label=io.cairn.managed=true --format "{{.$key}} {{.Label \"io.cairn.scope\"}}" |
      awk -v root="$root" '$2 == root {print $1}' | xargs -r docker $remove >/dev/null 2>&1 || true
  done
  rm -rf "$root" "$default_root" "$keycloak_state"
}
trap cleanup EXIT

# The catalog: every service that has a real image here.
"$ctl" --root "$root" init --domain footprint.localhost >/dev/null
python3 - "$root/etc/cairn/appliance.json" "$airflow_image" <<'EOF'
import json, sys
path, airflow = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
services = {name: {"image": f"cairn-standin/{name}:1"} for name in ("postgres", "redis", "prometheus")}
services["airflow"] = {"image": airflow}
for off in ("keycloak", "oauth2-proxy", "grafana", "loki"):
    services[off] = {"enabled": False}
spec["services"] = services
json.dump(spec, open(path, "w"), indent=2)
EOF
install -d -m 2775 "$root/var/lib/cairn/airflow/dags"
"$ctl" --root "$root" apply >/dev/null
echo '{"metrics_listen": ""}' > "$root/etc/cairn/rendered/supervisor.json"
"$supervisord" --root "$root" >"$root/supervisord.log" 2>&1 &
pids+=($!)

# The default catalog's limits (everything enabled, one worker), from what cairnctl renders.
"$ctl" --root "$default_root" init --domain footprint.localhost >/dev/null
install -d -m 2775 "$default_root/var/lib/cairn/airflow/dags"
"$ctl" --root "$default_root" apply >/dev/null
limits=$(python3 - "$default_root/etc/cairn/rendered/containers.json" <<'EOF'
import json, sys
for service in json.load(open(sys.argv[1]))["services"]:
    for container in service["containers"]:
        print(container["name"], container["memory_bytes"])
EOF
)
limit_of() { awk -v name="$1" '$1 == name {print $2}' <<<"$limits"; }

# Keycloak with the heap of its container: kc.sh gives a container 70 % of its limit at most and
# 50 % at first; -XX:MaxRAM makes the JVM take the limit for the machine's memory.
keycloak_limit=$(limit_of cairn-keycloak)
CAIRN_KEYCLOAK_HEAP="-XX:MaxRAM=$keycloak_limit -XX:MaxRAMPercentage=70 -XX:MinRAMPercentage=70 -XX:InitialRAMPercentage=50" \
  "$support/keycloak/keycloak_server.sh" start "$keycloak_state" >/dev/null

# oauth2-proxy at rest as the gate (no request reaches it, so the provider is never asked).
proxy_version=$(sed -n 's/^version=//p' "$support/deps/oauth2_proxy.sh")
proxy=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}/oauth2-proxy-$proxy_version/oauth2-proxy
[ -x "$proxy" ] || { echo "appliance_footprint.sh: no $proxy; build it with bash tests/support/deps/oauth2_proxy.sh" >&2; exit 1; }
issuer=https://auth.footprint.localhost/realms/cairn
"$proxy" --http-address=127.0.0.1:0 --upstream=static://202 --provider=oidc --client-id=bench \
  --client-secret=bench --cookie-secret=0123456789abcdef0123456789abcdef --email-domain='*' \
  --oidc-issuer-url=$issuer --skip-oidc-discovery --login-url=$issuer/auth --redeem-url=$issuer/token \
  --oidc-jwks-url=$issuer/certs >"$root/oauth2-proxy.log" 2>&1 &
pids+=($!)
proxy_pid=$!

ready() {
  "$ctl" --root "$root" status --json 2>/dev/null | python3 -c '
import json, sys
services = json.load(sys.stdin).get("services", [])
ok = services and all(s.get("state") == "completed" or (s.get("state") == "running" and s.get("health") in ("healthy", "none")) for s in services)
sys.exit(0 if ok else 1)'
}
deadline=$((SECONDS + 1200))
until ready; do
  [ $SECONDS -lt $deadline ] || { echo "appliance_footprint.sh: the catalog did not come up healthy" >&2; tail -50 "$root/supervisord.log" >&2; exit 1; }
  sleep 5
done
sleep "$idle"

pss_of_pids() {
  local kib=0 pid
  for pid in "$@"; do kib=$((kib + $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0))); done
  echo $((kib / 1024))
}
descendants() { echo "$1"; for child in $(pgrep -P "$1"); do descendants "$child"; done; }

echo "| container | limit | docker stats | PSS of its processes |"
echo "|---|---|---|---|"
pss_total=0
while read -r name _; do
  [ "$name" = cairn-airflow-init ] && continue  # exits before the rest starts
  limit=$(mib "$(limit_of "$name")")
  case "$name" in
    cairn-keycloak)
      # shellcheck disable=SC2046  # one PID per word
      pss=$(pss_of_pids $(descendants "$(cat "$keycloak_state/keycloak.pid")"))
      echo "| $name (server distribution, heap of a $limit MiB container) | $limit MiB | – | $pss MiB |" ;;
    cairn-oauth2-proxy)
      pss=$(pss_of_pids "$proxy_pid")
      echo "| $name (binary) | $limit MiB | – | $pss MiB |" ;;
    cairn-grafana|cairn-loki)
      pss=0
      echo "| $name | $limit MiB | not obtainable here | – |" ;;
    *)
      docker inspect "$name" >/dev/null 2>&1 || { echo "| $name | $limit MiB | not running | – |"; continue; }
      usage=$(docker stats --no-stream --format '{{.MemUsage}}' "$name" | cut -d/ -f1 | tr -d ' ')
      # shellcheck disable=SC2046  # one PID per word
      pss=$(pss_of_pids $(docker top "$name" -eo pid | tail -n +2))
      echo "| $name | $limit MiB | $usage | $pss MiB |" ;;
  esac
  pss_total=$((pss_total + pss))
done <<<"$limits"
limit_total=$(awk '$1 != "cairn-airflow-init" {sum += $2} END {print sum}' <<<"$limits")
echo "| **total** (without the one-shot airflow-init) | **$(mib "$limit_total") MiB** | | **$pss_total MiB** measured |"
echo
echo "A VPS of 8 GB has $(mib 8000000000) MiB: the limits leave $(( $(mib 8000000000) - $(mib "$limit_total") )) MiB for the host (nginx, cairn's daemons, the kernel)."
