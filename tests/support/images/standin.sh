#!/bin/sh
# Stand-in service for the supervisor tests (never shipped). It implements exactly the contract a
# long-running platform service has towards cairn-supervisord: it listens (busybox httpd on
# $STANDIN_PORT, default 8080), passes a healthcheck while /tmp/unhealthy is absent, exits on
# SIGTERM, and can be told to crash (touch /tmp/crash, or kill -9 its main process).
#   STANDIN_MODE=serve (default) | oneshot (exit $STANDIN_EXIT_CODE after $STANDIN_DELAY_S)
#                | crash (exit $STANDIN_EXIT_CODE, default 1, after $STANDIN_DELAY_S)
mode=${STANDIN_MODE:-serve}
case "$mode" in
  oneshot) sleep "${STANDIN_DELAY_S:-0}"; exit "${STANDIN_EXIT_CODE:-0}" ;;
  crash) sleep "${STANDIN_DELAY_S:-0}"; exit "${STANDIN_EXIT_CODE:-1}" ;;
esac
echo "standin: ${STANDIN_NAME:-service} serving on port ${STANDIN_PORT:-8080}"
mkdir -p /www
echo "${STANDIN_BODY:-ok}" > /www/index.html
httpd -p "${STANDIN_PORT:-8080}" -h /www
trap 'exit 0' TERM INT
while :; do
  if [ -e /tmp/crash ]; then rm -f /tmp/crash; exit "${STANDIN_EXIT_CODE:-3}"; fi
  sleep 0.2 &
  wait $!
done
