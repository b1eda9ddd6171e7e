#!/bin/bash
# preinst refuses unsupported systems (old Debian or Ubuntu, no systemd, no Docker) with a
# message naming what is missing, changes nothing, and accepts a supported one. Each case is a
# fake root passed as DPKG_ROOT.
set -uo pipefail
preinst=${1:?usage: preinst_refuses.sh PREINST}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# make_root DIR ID VERSION_ID [no-systemd] [no-docker]
make_root() {
  local dir=$1
  mkdir -p "$dir/etc" "$dir/run/systemd/system" "$dir/usr/sbin" "$dir/sys/fs/cgroup/memory"
  printf 'ID=%s\nVERSION_ID="%s"\n' "$2" "$3" > "$dir/etc/os-release"
  printf '#!/bin/sh\n' > "$dir/usr/sbin/dockerd"
  chmod 0755 "$dir/usr/sbin/dockerd"
  shift 3
  for flag in "$@"; do
    case "$flag" in
      no-systemd) rm -rf "$dir/run/systemd" ;;
      no-docker) rm -f "$dir/usr/sbin/dockerd" ;;
    esac
  done
}

# expect NAME EXIT_CODE MESSAGE ROOT_ARGS...
expect() {
  local name=$1 code=$2 message=$3
  shift 3
  local dir="$work/$name"
  make_root "$dir" "$@"
  local before after output actual
  before=$(find "$dir" -printf '%p %m %s\n' | sort)
  output=$(DPKG_ROOT="$dir" sh "$preinst" install 2>&1)
  actual=$?
  after=$(find "$dir" -printf '%p %m %s\n' | sort)
  if [ "$actual" -ne "$code" ]; then
    echo "FAIL $name: exit $actual, expected $code; output: $output"
    failures=$((failures + 1))
  elif [ -n "$message" ] && ! grep -qF "$message" <<< "$output"; then
    echo "FAIL $name: output does not say '$message': $output"
    failures=$((failures + 1))
  elif [ "$before" != "$after" ]; then
    echo "FAIL $name: preinst changed the system"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

expect supported_debian 0 "" debian 12
expect supported_ubuntu 0 "" ubuntu 24.04
expect old_debian 1 "Debian 11 is too old: cairn needs Debian 12 (bookworm) or later" debian 11
expect old_ubuntu 1 "Ubuntu 20.04 is too old" ubuntu 20.04
expect no_systemd 1 "systemd is not running" debian 12 no-systemd
expect no_docker 1 "no Docker engine is available" debian 12 no-docker
expect everything_missing 1 "Nothing was changed." debian 10 no-systemd no-docker
exit $((failures > 0))
