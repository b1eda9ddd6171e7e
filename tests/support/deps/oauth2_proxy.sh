#!/usr/bin/env bash
# Builds oauth2-proxy from its Go module (github.com/oauth2-proxy/oauth2-proxy/v7, through the Go
# module proxy) into $CAIRN_TEST_DEPS/oauth2-proxy-<version>/oauth2-proxy. Does nothing when the
# binary is there. The version is the catalog's oauth2-proxy image tag. The module and build
# caches live in the deps cache too, so a second machine-local build downloads nothing.
set -euo pipefail
version=v7.15.6
deps=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}
target="$deps/oauth2-proxy-$version"
[ -x "$target/oauth2-proxy" ] && exit 0

[ -x /usr/local/go/bin/go ] && PATH=/usr/local/go/bin:$PATH
command -v go >/dev/null || { echo "oauth2_proxy.sh: go is not on PATH; oauth2-proxy $version needs Go 1.26 or newer (Debian 12 has 1.19: use a Go release in /usr/local/go)" >&2; exit 1; }

started=$(date +%s)
staging="$target.partial"
rm -rf "$staging"
mkdir -p "$staging"
module=github.com/oauth2-proxy/oauth2-proxy/v7
CGO_ENABLED=0 GOBIN="$staging" GOFLAGS=-modcacherw \
  GOMODCACHE="$deps/go-modules" GOCACHE="$deps/go-build-cache" \
  go install -trimpath -ldflags="-s -w -X $module/pkg/version.VERSION=$version" "$module@$version"
"$staging/oauth2-proxy" --version | grep -q "$version" \
  || { echo "oauth2_proxy.sh: the built binary does not report $version" >&2; exit 1; }
rm -rf "$target"
mv "$staging" "$target"
echo "oauth2_proxy.sh: oauth2-proxy $version in $target ($(( $(date +%s) - started )) s)"
