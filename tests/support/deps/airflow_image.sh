#!/bin/bash
# Builds (once per machine and input hash) the root file system of cairn's Airflow test image:
# Debian bookworm + Apache Airflow 3.3.2 and the catalog's providers from PyPI, under
# tests/support/airflow_image/constraints-3.3.2.txt, into $CAIRN_TEST_DEPS/airflow-3.3.2/; and
# loads it into the Docker engine as cairn-test/airflow:3.3.2 when one answers (the test fixture
# services_airflow_image loads it otherwise). About 5 minutes cold on an idle 2-core machine (up to
# 12 when other builds share it), nothing when cached.
set -euo pipefail
image=$(cd "$(dirname "$0")/../airflow_image" && pwd)
"$image/build.sh" >/dev/null
if curl -sf --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; then
  "$image/load.sh" >/dev/null
fi
