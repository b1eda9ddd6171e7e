#!/bin/bash
# The package passes lintian without errors (warnings are printed, not fatal).
set -euo pipefail
deb=${1:?usage: lintian_clean.sh PACKAGE.deb}
[ -f "$deb" ] || { echo "no package at $deb" >&2; exit 1; }
report=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges' || true)
echo "$report"
if echo "$report" | grep -q '^E: '; then
  echo "lintian reports errors for $deb" >&2
  exit 1
fi
echo "lintian: no errors ($(echo "$report" | grep -c '^W: ' || true) warnings)"
