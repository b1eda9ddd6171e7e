#!/usr/bin/env bash
# Installs cairn on this machine from the source tree and brings the appliance up with defaults
# that work without a public domain (self-signed TLS):
#
#   sudo packaging/install.sh [--domain DOMAIN] [--email EMAIL]
set -euo pipefail
cd "$(dirname "$0")/.."
domain=cairn.localhost
email=""
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain=$2; shift 2 ;;
    --email) email=$2; shift 2 ;;
    *) echo "usage: packaging/install.sh [--domain DOMAIN] [--email EMAIL]" >&2; exit 2 ;;
  esac
done
[ -n "$email" ] || email="admin@$domain"
if [ "$(id -u)" -ne 0 ]; then
  echo "packaging/install.sh installs system packages and must run as root (sudo)" >&2
  exit 2
fi

mapfile -t packages < <(grep -v '^\s*#' tests/packages.txt | grep -v '^\s*$')
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF > /dev/null
cmake --build build -j "$(nproc)"
cmake --install build --prefix /usr/local

if [ ! -f /etc/cairn/appliance.json ]; then
  cairnctl init --domain "$domain" --email "$email"
fi
cairnctl apply
