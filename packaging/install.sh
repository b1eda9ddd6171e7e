#!/usr/bin/env bash
# Installs cairn on this machine from the source tree and brings the appliance up with defaults
# that work without a public domain (self-signed TLS): installs the build dependencies, builds,
# packages cairn_<version>_amd64.deb, installs it with apt (which brings nginx, Docker and
# nftables), writes the spec with `cairnctl init` unless it was already made yours, and runs
# `cairnctl apply`.
#
#   sudo packaging/install.sh [--domain DOMAIN] [--email EMAIL]
set -euo pipefail
cd "$(dirname "$0")/.."
domain=cairn.localhost
email=""
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain=${2:-}; shift 2 ;;
    --email) email=${2:-}; shift 2 ;;
    *) echo "usage: packaging/install.sh [--domain DOMAIN] [--email EMAIL]" >&2; exit 2 ;;
  esac
done
[ -n "$domain" ] || { echo "packaging/install.sh: --domain needs a value" >&2; exit 2; }
[ -n "$email" ] || email="admin@$domain"
if [ "$(id -u)" -ne 0 ]; then
  echo "packaging/install.sh installs system packages and must run as root (sudo)" >&2
  exit 2
fi

build_packages=(build-essential cmake pkg-config dpkg-dev file libpoco-dev nlohmann-json3-dev
  libcurl4-openssl-dev zlib1g-dev)
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${build_packages[@]}"

build_dir=build-package
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF > /dev/null
cmake --build "$build_dir" -j "$(nproc)" --target cairn_deb
version=$(sed -n 's/^project(cairn VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
deb="$PWD/$build_dir/cairn_${version}_amd64.deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb"

# The packaged default spec has no secrets yet; a spec that was made yours is kept as it is.
if cmp -s /etc/cairn/appliance.json /usr/share/cairn/appliance.default.json; then
  cairnctl init --force --domain "$domain" --email "$email"
fi
cairnctl apply
echo "cairn is running: see \`cairnctl status\` and https://$domain/ (self-signed certificate)."
