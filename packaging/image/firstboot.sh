#!/bin/bash
# First boot of the cairn appliance image: reads the domain, the admin email, the host name and
# SSH keys from cloud-init user data, writes the spec with `cairnctl init` and applies it.
#
# Where the user data comes from, first found wins:
#   - a config drive: a file system labelled "cidata" (NoCloud: user-data, meta-data) or
#     "config-2" (OpenStack: openstack/latest/user_data, openstack/latest/meta_data.json);
#   - cloud-init's copy, /var/lib/cloud/instance/user-data.txt, on images that run cloud-init.
# The user data is #cloud-config YAML; this reads only these keys (one value per line):
#
#   #cloud-config
#   hostname: cairn-1
#   ssh_authorized_keys:
#     - ssh-ed25519 AAAA... ops@example.com
#   cairn:
#     domain: example.com
#     admin_email: ops@example.com
#
# Without user data the packaged default (self-signed cairn.localhost) is applied. A spec that
# is no longer the packaged default is never replaced. Runs once: success is recorded in
# /var/lib/cairn-firstboot/done.
set -euo pipefail

done_file=/var/lib/cairn-firstboot/done
default_spec=/usr/share/cairn/appliance.default.json
spec=/etc/cairn/appliance.json

log() { echo "cairn-firstboot: $*" >&2; }

# Top-level `key: value` of a cloud-config document.
top_value() {
  sed -n "s/^$1:[[:space:]]*//p" "$2" | head -1 | sed -e 's/[[:space:]]*$//' -e "s/^[\"']//" -e "s/[\"']\$//"
}

# `key: value` nested one level under `section:`.
section_value() {
  awk -v section="$1" -v key="$2" '
    /^[^[:space:]#]/ { inside = ($0 ~ "^" section ":[[:space:]]*$") ; next }
    inside && $1 == key ":" { sub("^[[:space:]]*" key ":[[:space:]]*", ""); gsub(/^["'"'"']|["'"'"']$/, ""); print; exit }
  ' "$3"
}

# The `- item` lines of a top-level list.
list_items() {
  awk -v section="$1" '
    /^[^[:space:]#]/ { inside = ($0 ~ "^" section ":[[:space:]]*$"); next }
    inside && /^[[:space:]]*-[[:space:]]/ { sub(/^[[:space:]]*-[[:space:]]*/, ""); gsub(/^["'"'"']|["'"'"']$/, ""); print }
  ' "$2"
}

find_user_data() {
  local device mountpoint
  for label in cidata CIDATA config-2 CONFIG-2; do
    device=$(blkid -l -o device -t LABEL="$label" 2>/dev/null || true)
    [ -n "$device" ] || continue
    mountpoint=$(mktemp -d /run/cairn-firstboot.XXXXXX)
    if mount -o ro "$device" "$mountpoint" 2>/dev/null; then
      for candidate in user-data openstack/latest/user_data; do
        if [ -f "$mountpoint/$candidate" ]; then
          cp "$mountpoint/$candidate" /run/cairn-firstboot.user-data
          log "user data from $device ($label): $candidate"
        fi
      done
      umount "$mountpoint"
    fi
    rmdir "$mountpoint"
    [ -f /run/cairn-firstboot.user-data ] && return 0
  done
  if [ -f /var/lib/cloud/instance/user-data.txt ]; then
    cp /var/lib/cloud/instance/user-data.txt /run/cairn-firstboot.user-data
    log "user data from cloud-init"
    return 0
  fi
  return 1
}

valid_name() { [[ "$1" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; }

install_ssh_keys() {
  local keys
  keys=$(list_items ssh_authorized_keys "$1" | grep -E '^(ssh-|ecdsa-|sk-)' || true)
  [ -n "$keys" ] || return 0
  install -d -m 0700 /root/.ssh
  touch /root/.ssh/authorized_keys
  chmod 0600 /root/.ssh/authorized_keys
  while IFS= read -r key; do
    grep -qxF "$key" /root/.ssh/authorized_keys || echo "$key" >> /root/.ssh/authorized_keys
  done <<< "$keys"
  log "installed $(wc -l <<< "$keys") SSH key(s) for root"
}

main() {
  local domain="" email="" hostname=""
  rm -f /run/cairn-firstboot.user-data
  if find_user_data; then
    local data=/run/cairn-firstboot.user-data
    domain=$(section_value cairn domain "$data")
    email=$(section_value cairn admin_email "$data")
    hostname=$(top_value hostname "$data")
    install_ssh_keys "$data"
  else
    log "no user data (no cidata or config-2 drive); keeping the default spec"
  fi

  if [ -n "$hostname" ]; then
    if valid_name "$hostname"; then
      hostnamectl set-hostname "$hostname" 2>/dev/null || echo "$hostname" > /etc/hostname
    else
      log "ignoring hostname '$hostname': not a valid host name"
    fi
  fi

  if cmp -s "$spec" "$default_spec"; then
    if [ -n "$domain" ] && ! valid_name "$domain"; then
      log "cairn.domain '$domain' in the user data is not a valid domain; using the default"
      domain=""
    fi
    # The packaged default has no secrets yet; init makes them (and keeps any that exist).
    cairnctl init --force --domain "${domain:-cairn.localhost}" ${email:+--email "$email"}
  elif [ -n "$domain" ]; then
    log "$spec was changed from the packaged default; not replacing it with the user data's domain"
  fi
  cairnctl apply
  install -d -m 0755 "$(dirname "$done_file")"
  date -u +%Y-%m-%dT%H:%M:%SZ > "$done_file"
  log "done"
}

main "$@"
