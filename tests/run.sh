#!/usr/bin/env bash
# The test command of README.md and CI: installs the Debian packages the build and the tests
# need (only the missing ones), builds cairn with warnings as errors, and runs every test with
# ctest. Tests start the real servers they need themselves and stop them afterwards.
#
#   tests/run.sh                          every test (what CI runs): unit, integration, and the
#                                         boot-to-ready VM test (e2e, about 5 minutes)
#   CAIRN_TEST_LABELS=unit tests/run.sh   only some labels (a ctest -L regex)
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t packages < <(grep -v '^\s*#' tests/packages.txt | tr -s ' \t' '\n' | grep -v '^$')
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The real servers Debian does not package (tests/support/deps/README.md), once per machine.
export CAIRN_TEST_DEPS=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}
for fetch in tests/support/deps/*.sh; do
  [ -e "$fetch" ] || continue
  bash "$fetch"
done

# ccache keys on paths relative to the checkout, so a fresh clone reuses an earlier build.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
build_dir=${CAIRN_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCAIRN_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build_dir" -j "$(nproc)"
ctest --test-dir "$build_dir" -L "${CAIRN_TEST_LABELS:-unit|integration|e2e}" --output-on-failure
