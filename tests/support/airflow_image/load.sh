#!/bin/bash
# Loads cairn's Airflow test image (build.sh) into a Docker engine as cairn-test/airflow:VERSION,
# with the official image's configuration: user airflow (50000:0), AIRFLOW_HOME /opt/airflow,
# entrypoint dumb-init + /entrypoint. Cached: an engine whose image came from the same build is
# left alone. Prints the tag.
#
#   load.sh [--socket PATH]   the engine (default /var/run/docker.sock)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
socket=/var/run/docker.sock
[ "${1:-}" = --socket ] && socket=$2
docker=(docker -H "unix://$socket")
version=$(sed -n 's/^AIRFLOW_VERSION=//p' "$here/build.sh")
tag=cairn-test/airflow:$version
tarball=$("$here/build.sh")
key=$(basename "$tarball" .tar)
key=${key#rootfs-}
current=$("${docker[@]}" image inspect --format '{{index .Config.Labels "io.cairn.test-image"}}' "$tag" 2>/dev/null || true)
if [ "$current" != "$key" ]; then
  venv=/usr/local/lib/airflow
  "${docker[@]}" import \
    -c "ENV PATH=$venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    -c 'ENV AIRFLOW_HOME=/opt/airflow AIRFLOW_USER_HOME_DIR=/home/airflow LANG=C.UTF-8 PYTHONUNBUFFERED=1' \
    -c "ENV AIRFLOW_VERSION=$version" \
    -c 'USER 50000:0' -c 'WORKDIR /opt/airflow' \
    -c 'ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]' -c 'CMD []' \
    -c "LABEL io.cairn.test-image=$key" \
    "$tarball" "$tag" >/dev/null
  echo "load.sh: imported $tag ($key)" >&2
fi
echo "$tag"
