#!/bin/bash
# Loads the service image (build.sh) into a Docker engine and tags one image per platform
# service, cairn-standin/SERVICE:1, each telling entrypoint.sh which service it plays. Cached: an
# engine that already has the images of the same build is left alone.
#
#   load.sh [--socket PATH] [--tarball FILE]
#     --socket   the engine (default /var/run/docker.sock)
#     --tarball  an already built root file system (the VM test's read-only disk); without it
#                build.sh builds one into $CAIRN_IMAGE_CACHE (default /var/cache/cairn-image, the
#                appliance image's cache, which the VM test shares)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
socket=/var/run/docker.sock
tarball=""
while [ $# -gt 0 ]; do
  case "$1" in
    --socket) socket=$2; shift 2 ;;
    --tarball) tarball=$2; shift 2 ;;
    *) echo "usage: load.sh [--socket PATH] [--tarball FILE]" >&2; exit 2 ;;
  esac
done
docker=(docker -H "unix://$socket")
if [ -z "$tarball" ]; then
  tarball=$("$here/build.sh" "${CAIRN_IMAGE_CACHE:-/var/cache/cairn-image}")
  key=$(basename "$tarball" .tar)
  key=${key#standin-}
else
  key=given
fi
services=(postgres redis keycloak oauth2-proxy loki grafana prometheus airflow)
current() { [ "$("${docker[@]}" image inspect --format '{{index .Config.Labels "io.cairn.standin"}}' "cairn-standin/$1:1" 2>/dev/null)" = "$key" ]; }
if ! "${docker[@]}" image inspect "cairn-standin/base:$key" >/dev/null 2>&1; then
  "${docker[@]}" import - "cairn-standin/base:$key" < "$tarball" >/dev/null
fi
for service in "${services[@]}"; do
  current "$service" && continue
  dockerfile=$(printf '%s\n' "FROM cairn-standin/base:$key" \
    "ENV STANDIN_SERVICE=$service PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "LABEL io.cairn.standin=$key" 'ENTRYPOINT ["/entrypoint.sh"]')
  if ! output=$(DOCKER_BUILDKIT=0 "${docker[@]}" build -q -t "cairn-standin/$service:1" - <<< "$dockerfile" 2>&1); then
    echo "load.sh: tagging cairn-standin/$service:1 failed: $output" >&2
    exit 1
  fi
  echo "tagged cairn-standin/$service:1"
done
