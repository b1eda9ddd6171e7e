#!/usr/bin/env bash
# Builds the images the supervisor tests run, without a registry, and caches them by tag: a tag
# that is already present is not rebuilt (bump the tag when this folder changes).
#   build.sh [--socket PATH]   builds into the engine at PATH (default /var/run/docker.sock)
#   cairnsup-standin:2    busybox-static + standin.sh (tiny; about a second)
#   cairnsup-pgredis:2    the test service image (../service_image) + pg_entrypoint.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
socket=/var/run/docker.sock
[ "${1:-}" = "--socket" ] && socket=$2
docker=(docker -H "unix://$socket")
STANDIN_TAG=cairnsup-standin:2
PGREDIS_TAG=cairnsup-pgredis:2
work=$(mktemp -d /tmp/cairnsup-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
present() { "${docker[@]}" image inspect "$1" >/dev/null 2>&1; }

if ! present "$STANDIN_TAG"; then
  root=$work/standin
  mkdir -p "$root/bin" "$root/tmp" "$root/www"
  cp /bin/busybox "$root/bin/busybox"
  for app in $(/bin/busybox --list); do [ "$app" = busybox ] || ln -s busybox "$root/bin/$app"; done
  install -m 0755 "$here/standin.sh" "$root/standin"
  chmod 1777 "$root/tmp"
  tar -C "$root" -cf "$work/standin.tar" .
  "${docker[@]}" import -c 'ENV PATH=/bin' -c 'CMD ["/standin"]' "$work/standin.tar" "$STANDIN_TAG" >/dev/null
  echo "built $STANDIN_TAG"
fi

if ! present "$PGREDIS_TAG"; then
  # On the test service image (real PostgreSQL 15 and Redis from Debian), with this folder's
  # stand-in of the official postgres entrypoint as its command.
  "$here/../service_image/load.sh" --socket "$socket" >/dev/null
  base=$("${docker[@]}" image inspect --format '{{index .Config.Labels "io.cairn.standin"}}' cairn-standin/postgres:1)
  mkdir -p "$work/pgredis"
  install -m 0755 "$here/pg_entrypoint.sh" "$work/pgredis/pg-entrypoint"
  printf '%s\n' "FROM cairn-standin/base:$base" \
    'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'COPY pg-entrypoint /usr/local/bin/pg-entrypoint' 'CMD ["/usr/local/bin/pg-entrypoint"]' > "$work/pgredis/Dockerfile"
  if ! output=$(DOCKER_BUILDKIT=0 "${docker[@]}" build -q -t "$PGREDIS_TAG" "$work/pgredis" 2>&1); then
    echo "build.sh: building $PGREDIS_TAG failed: $output" >&2
    exit 1
  fi
  echo "built $PGREDIS_TAG"
fi
