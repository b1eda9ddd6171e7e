#!/bin/sh
# Stand-in for the appliance's containers that cannot be obtained here (no registry), implementing exactly this contract: listen on the service's documented port and answer HTTP — 200 "ok" on every path, except oauth2-proxy's auth_request contract (GET /oauth2/auth → 401 without a session, /oauth2/start and /oauth2/sign_in → 302 to the identity provider). Used only by the boot-to-ready e2e test; never shipped.
# Runs as the image's entrypoint (busybox sh); STANDIN_SERVICE names the service; any
# arguments the catalog passes to the real program are ignored.
set -eu
case "${STANDIN_SERVICE:-}" in
  postgres) port=5432 ;;
  redis) port=6379 ;;
  keycloak) port=8080 ;;
  oauth2-proxy) port=4180 ;;
  grafana) port=3000 ;;
  prometheus) port=9090 ;;
  loki) port=3100 ;;
  airflow*) port=8080 ;;
  *) port=8080 ;;
esac
echo "stand-in for ${STANDIN_SERVICE:-unknown} on port $port" >&2
exec nc -ll -p "$port" -e /standin-respond
