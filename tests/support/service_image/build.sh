#!/bin/bash
# Builds the root file system tarball of the service image the tests run in place of the
# platform's images (no registry is reachable): real PostgreSQL 15, Redis and Prometheus from
# Debian, and the stand-ins of standin.py, airflow and celery for the services that cannot be
# obtained here.
# Cached by the content hash of its inputs. Perl is needed only to install PostgreSQL's packages
# and is removed afterwards, with translations and the JIT, to keep the image small (PostgreSQL's
# own binaries come first in PATH, so Debian's Perl wrappers are not needed). Prints the path.
#
#   build.sh CACHE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build.sh CACHE_DIR}
packages=postgresql-15,redis-server,prometheus,python3,curl,wget,util-linux,procps
mirrors=()
for source in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -s "$source" ] && grep -q bookworm "$source" && mirrors+=("$source")
done
inputs=(entrypoint.sh standin.py airflow celery docker-entrypoint.sh build.sh)
key=$( (echo "$packages"; cat "${mirrors[@]}"; for f in "${inputs[@]}"; do cat "$here/$f"; done) | sha256sum | cut -c1-16)
tarball="$cache/standin-$key.tar"
mkdir -p "$cache"
if [ ! -f "$tarball" ]; then
  echo "service_image/build.sh: building $tarball (mmdebstrap)" >&2
  hooks=(--customize-hook="install -m 0755 '$here/entrypoint.sh' \"\$1/entrypoint.sh\""
         --customize-hook="install -m 0755 '$here/standin.py' \"\$1/standin.py\""
         --customize-hook="install -m 0755 '$here/airflow' '$here/celery' '$here/docker-entrypoint.sh' \"\$1/usr/local/bin/\""
         --customize-hook="ln -s /usr/local/bin/airflow \"\$1/entrypoint\"")
  # shellcheck disable=SC2016  # the hooks' $1 is the root directory, expanded by mmdebstrap
  mmdebstrap --mode=root --format=tar --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libLLVM*' \
    --dpkgopt='path-exclude=/usr/lib/postgresql/15/lib/bitcode/*' --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libz3*' \
    --dpkgopt='path-exclude=/usr/share/i18n/*' \
    "${hooks[@]}" \
    --customize-hook='rm -rf "$1/var/lib/postgresql/15" "$1/etc/postgresql/15/main" "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/var/cache/debconf/*-old' \
    --customize-hook='rm -rf "$1"/usr/share/perl "$1"/usr/lib/x86_64-linux-gnu/perl "$1"/usr/lib/x86_64-linux-gnu/perl-base "$1"/usr/share/perl5' \
    bookworm "$tarball.partial.tar" "${mirrors[@]}" >&2
  mv "$tarball.partial.tar" "$tarball"
  find "$cache" -maxdepth 1 -name 'standin-*.tar' ! -name "standin-$key.tar" -delete
fi
echo "$tarball"
