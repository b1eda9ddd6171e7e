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

source "$(dirname "$0")/lib/go_install.bash"
module=github.com/oauth2-proxy/oauth2-proxy/v7
reports_version() { "$staging/oauth2-proxy" --version | grep -q "$version"; }
go_install oauth2_proxy.sh "$target" "$module@$version" "-s -w -X $module/pkg/version.VERSION=$version" reports_version
