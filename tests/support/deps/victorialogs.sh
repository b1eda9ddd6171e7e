#!/usr/bin/env bash
# Builds VictoriaLogs from its Go module (github.com/VictoriaMetrics/VictoriaLogs, main package
# app/victoria-logs, through the Go module proxy) into
# $CAIRN_TEST_DEPS/victorialogs-<version>/victoria-logs. It takes Loki's push API at
# /insert/loki/api/v1/push: the logship tests and benchmark push to it. Does nothing when the
# binary is there; module and build caches live in the deps cache, as oauth2_proxy.sh's.
set -euo pipefail
version=v1.52.2
deps=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}
target="$deps/victorialogs-$version"
[ -x "$target/victoria-logs" ] && exit 0

source "$(dirname "$0")/lib/go_install.bash"
starts() { "$staging/victoria-logs" -version >/dev/null 2>&1; }
go_install victorialogs.sh "$target" "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@$version" "-s -w" starts
