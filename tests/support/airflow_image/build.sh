#!/bin/bash
# Builds the root file system of cairn's Airflow test image: Debian bookworm (its python3 is
# 3.11) with real Apache Airflow and the catalog's providers from PyPI in a virtual environment,
# installed under constraints-VERSION.txt and checked with `pip check`, and the official image's
# entrypoint contract (./entrypoint, under dumb-init). No registry is needed; load.sh imports it.
# Cached by the content hash of its inputs in $CAIRN_TEST_DEPS/airflow-VERSION/ (an input that
# changes means a new build: about 7 minutes on two busy cores). Prints the tarball's path.
#
#   build.sh            build (or reuse) the tarball
#   build.sh --freeze   resolve the requirements afresh and print a new constraints file
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
AIRFLOW_VERSION=3.3.2
requirements=("apache-airflow[celery,postgres,redis]==$AIRFLOW_VERSION"
              apache-airflow-providers-celery==3.26.0 apache-airflow-providers-postgres==7.1.1
              apache-airflow-providers-redis==4.7.1 "apache-airflow-providers-fab[oauth]==3.10.2"
              apache-airflow-providers-standard==1.21.0 apache-airflow-providers-git==1.0.1
              'celery<5.7')  # see constraints-3.3.2.txt
packages=python3,python3-venv,ca-certificates,curl,dumb-init,git,netbase,procps
constraints=$here/constraints-$AIRFLOW_VERSION.txt
cache=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}/airflow-$AIRFLOW_VERSION
venv=/usr/local/lib/airflow
# pip inside the new root trusts what the host trusts (a site's TLS-inspecting proxy included);
# the image keeps Debian's own certificates.
host_ca=${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
mode=build
[ "${1:-}" = --freeze ] && mode=freeze

mirrors=()
for source in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -s "$source" ] && grep -q bookworm "$source" && mirrors+=("$source")
done
key=$( (echo "$packages ${requirements[*]}"; cat "${mirrors[@]}" "$constraints" "$here/entrypoint" "$here/build.sh") | sha256sum | cut -c1-16)
tarball=$cache/rootfs-$key.tar
mkdir -p "$cache"
if [ "$mode" = build ] && [ -f "$tarball" ]; then echo "$tarball"; exit 0; fi

[ "$(id -u)" -eq 0 ] || { echo "build.sh: the Airflow test image is built with mmdebstrap --mode=root: run it as root" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "build.sh: mmdebstrap is missing (apt-get install mmdebstrap; tests/packages.txt lists it)" >&2; exit 1; }
work=$(mktemp -d /tmp/airflow-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
# What runs inside the new root: the install under the constraints, or a fresh resolution.
{
  echo 'set -euo pipefail'
  echo "python3 -m venv $venv"
  pip="$venv/bin/pip install --no-input --disable-pip-version-check --progress-bar off --no-cache-dir --cert /tmp/host-ca.crt"
  if [ "$mode" = build ]; then
    echo "$pip -c /tmp/constraints.txt ${requirements[*]@Q}"
    echo "$venv/bin/pip check"
  else
    echo "$pip ${requirements[*]@Q}"
    echo "$venv/bin/pip check >&2"
    echo "$venv/bin/pip freeze --all > /tmp/frozen.txt"
  fi
} > "$work/install.sh"
echo "airflow_image/build.sh: building $tarball (mmdebstrap, pip)" >&2
# The official image's layout: user airflow (50000, group 0) with home /home/airflow,
# AIRFLOW_HOME /opt/airflow writable by group 0, `airflow`, `celery` and `python` on PATH.
# shellcheck disable=SC2016  # the hooks' $1 is the root directory, expanded by mmdebstrap
mmdebstrap --mode=root --format=directory --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/i18n/*' \
  --customize-hook="install -m 0755 '$here/entrypoint' \"\$1/entrypoint\"" \
  --customize-hook="install -m 0644 '$constraints' \"\$1/tmp/constraints.txt\"" \
  --customize-hook="install -m 0644 '$host_ca' \"\$1/tmp/host-ca.crt\"" \
  --customize-hook='chroot "$1" useradd --uid 50000 --gid 0 --home-dir /home/airflow --create-home --shell /bin/bash airflow' \
  --customize-hook='mkdir -p "$1/opt/airflow/dags" "$1/opt/airflow/logs" "$1/opt/airflow/plugins" && chown -R 50000:0 "$1/opt/airflow" && chmod -R 0775 "$1/opt/airflow"' \
  --customize-hook="install -m 0755 '$work/install.sh' \"\$1/tmp/install.sh\"" \
  --customize-hook='chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 bash /tmp/install.sh' \
  --customize-hook="if [ -f \"\$1/tmp/frozen.txt\" ]; then cp \"\$1/tmp/frozen.txt\" '$work/frozen.txt'; fi" \
  --customize-hook='rm -rf "$1/tmp/constraints.txt" "$1/tmp/frozen.txt" "$1/tmp/install.sh" "$1/tmp/host-ca.crt"' \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/var/cache/debconf/*-old' \
  bookworm "$work/root" "${mirrors[@]}" >&2
if [ "$mode" = freeze ]; then
  grep -v -E '^(pip|setuptools|wheel)==' "$work/frozen.txt"
  exit 0
fi
tar -C "$work/root" --numeric-owner -cf "$tarball.partial" .
mv "$tarball.partial" "$tarball"
find "$cache" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-$key.tar" -delete
echo "$tarball"
