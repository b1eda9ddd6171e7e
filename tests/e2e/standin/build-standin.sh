#!/bin/bash
# Builds the root file system tarball of the e2e test's service image (real PostgreSQL from
# Debian, the HTTP stand-in for the rest; see entrypoint.sh and standin.py), cached by the
# content hash of its inputs. Perl is needed only to install PostgreSQL's packages and is removed
# afterwards, with translations and the JIT, to keep the image small. Prints the tarball's path.
#
#   build-standin.sh CACHE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build-standin.sh CACHE_DIR}
packages=postgresql-15,python3-minimal,util-linux,procps
mirrors=()
for source in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -s "$source" ] && grep -q bookworm "$source" && mirrors+=("$source")
done
key=$( (echo "$packages"; cat "${mirrors[@]}" "$here/entrypoint.sh" "$here/standin.py" "$0") | sha256sum | cut -c1-16)
tarball="$cache/standin-$key.tar"
mkdir -p "$cache"
if [ ! -f "$tarball" ]; then
  echo "build-standin: building $tarball (mmdebstrap)" >&2
  # Documentation, translations and PostgreSQL's LLVM JIT (off in entrypoint.sh) are left out.
  # shellcheck disable=SC2016  # the hooks' $1 is the root directory, expanded by mmdebstrap
  mmdebstrap --mode=root --format=tar --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libLLVM*' \
    --dpkgopt='path-exclude=/usr/lib/postgresql/15/lib/bitcode/*' --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libz3*' \
    --dpkgopt='path-exclude=/usr/share/i18n/*' \
    --customize-hook="install -m 0755 '$here/entrypoint.sh' \"\$1/entrypoint.sh\"" \
    --customize-hook="install -m 0755 '$here/standin.py' \"\$1/standin.py\"" \
    --customize-hook='rm -rf "$1/var/lib/postgresql/15" "$1/etc/postgresql/15/main" "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/var/cache/debconf/*-old' \
    --customize-hook='rm -rf "$1"/usr/share/perl "$1"/usr/lib/x86_64-linux-gnu/perl "$1"/usr/lib/x86_64-linux-gnu/perl-base "$1"/usr/share/perl5' \
    bookworm "$tarball.partial.tar" "${mirrors[@]}" >&2
  mv "$tarball.partial.tar" "$tarball"
  find "$cache" -maxdepth 1 -name 'standin-*.tar' ! -name "standin-$key.tar" -delete
fi
echo "$tarball"
