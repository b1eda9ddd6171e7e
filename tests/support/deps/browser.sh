#!/usr/bin/env bash
# Installs the browser driver of the sign-in journey test (tests/support/browser: playwright-core
# from the npm registry, exactly as package-lock.json locks it) into
# $CAIRN_TEST_DEPS/browser-<hash of the lockfile>/node_modules. Does nothing when it is there.
# The browser itself is Debian's chromium (tests/packages.txt): Playwright never downloads one.
#   browser.sh --where   prints that folder (the test looks for node_modules there)
set -euo pipefail
here=$(cd "$(dirname "$0")/../browser" && pwd)
deps=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}
key=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
target="$deps/browser-$key"
[ "${1:-}" = --where ] && { echo "$target"; exit 0; }
[ -f "$target/node_modules/playwright-core/package.json" ] && exit 0

command -v npm >/dev/null || { echo "browser.sh: npm is not on PATH (Node.js 20 or newer)" >&2; exit 1; }
started=$(date +%s)
staging="$target.partial"
rm -rf "$staging"
mkdir -p "$staging"
cp "$here/package.json" "$here/package-lock.json" "$staging/"
# --ignore-scripts: no install script runs, so nothing fetches a browser.
(cd "$staging" && npm ci --ignore-scripts --no-audit --no-fund --cache "$deps/npm-cache" >/dev/null)
rm -rf "$target"
mv "$staging" "$target"
echo "browser.sh: playwright-core in $target ($(( $(date +%s) - started )) s)"
