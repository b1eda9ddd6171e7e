#!/usr/bin/env bash
# Builds the images the supervisor tests run, without a registry, and caches them by tag: a tag
# that is already present is not rebuilt (bump the tag when this folder changes).
#   build.sh [--socket PATH]   builds into the engine at PATH (default /var/run/docker.sock)
#   cairnsup-standin:2    busybox-static + standin.sh (tiny; about a second)
#   cairnsup-pgredis:1    Debian bookworm minbase + postgresql-15 + redis-server + pg_entrypoint.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
socket=/var/run/docker.sock
[ "${1:-}" = "--socket" ] && socket=$2
docker=(docker -H "unix://$socket")
STANDIN_TAG=cairnsup-standin:2
PGREDIS_TAG=cairnsup-pgredis:1
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
  cache=${CAIRNSUP_IMAGE_CACHE:-/var/tmp/cairnsup-images}
  mkdir -p "$cache"
  tarball=$cache/pgredis-1.tar
  if [ ! -s "$tarball" ]; then
    mmdebstrap --quiet --format=tar --variant=minbase --include=postgresql-15,redis-server,procps \
      --customize-hook="upload $here/pg_entrypoint.sh /usr/local/bin/pg-entrypoint" \
      --customize-hook='chroot "$1" chmod 0755 /usr/local/bin/pg-entrypoint' \
      --customize-hook='chroot "$1" rm -rf /var/lib/apt/lists/* /var/cache/apt/*' \
      bookworm "$tarball.partial" http://deb.debian.org/debian
    mv "$tarball.partial" "$tarball"
  fi
  "${docker[@]}" import -c 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/usr/local/bin/pg-entrypoint"]' "$tarball" "$PGREDIS_TAG" >/dev/null
  echo "built $PGREDIS_TAG"
fi
