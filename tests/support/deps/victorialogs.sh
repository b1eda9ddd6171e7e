#!/usr/bin/env bash
# Builds VictoriaLogs from its Go module (github.com/VictoriaMetrics/VictoriaLogs, main package
# app/victoria-logs, through the Go module proxy) into
# $CAIRN_TEST_DEPS/victorialogs-<version>/victoria-logs. It takes Loki's push API at
# /insert/loki/api/v1/push: the logship benchmark measures the shipper against it. Does nothing
# when the binary is there; module and build caches live in the deps cache, as oauth2_proxy.sh's.
set -euo pipefail
version=v1.52.2
deps=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}
target="$deps/victorialogs-$version"
[ -x "$target/victoria-logs" ] && exit 0

[ -x /usr/local/go/bin/go ] && PATH=/usr/local/go/bin:$PATH
command -v go >/dev/null || { echo "victorialogs.sh: go is not on PATH; VictoriaLogs $version needs Go 1.26 or newer (Debian 12 has 1.19: use a Go release in /usr/local/go)" >&2; exit 1; }

started=$(date +%s)
staging="$target.partial"
rm -rf "$staging"
mkdir -p "$staging"
CGO_ENABLED=0 GOBIN="$staging" GOFLAGS=-modcacherw \
  GOMODCACHE="$deps/go-modules" GOCACHE="$deps/go-build-cache" \
  go install -trimpath -ldflags="-s -w" "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@$version"
"$staging/victoria-logs" -version >/dev/null 2>&1 \
  || { echo "victorialogs.sh: the built victoria-logs does not start" >&2; exit 1; }
rm -rf "$target"
mv "$staging" "$target"
echo "victorialogs.sh: VictoriaLogs $version in $target ($(( $(date +%s) - started )) s)"
