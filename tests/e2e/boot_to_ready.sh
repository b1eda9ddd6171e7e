#!/bin/bash
# Boot-to-ready: builds the appliance image with the freshly built .deb (cached by content
# hash), boots it with qemu (KVM; TCG where KVM cannot run it, said loudly), and checks from the host, through qemu's user network
# forwarded to loopback ports, that the appliance comes up: systemd reaches multi-user with
# every cairn unit active, dockerd runs, `cairnctl status` answers, nginx answers on 443 with the
# self-signed certificate, every gated host (the status page too) answers with the redirect to
# the sign-in and never a 5xx, an unknown Host gets no page, the exporter serves metrics, and only
# 22/80/443 listen on the public interface. Then it upgrades the package N -> N+1 (spec, secrets
# and containers kept, daemons restarted, spec re-applied; a broken spec keeps the old
# configuration), and purges it (nothing of cairn left outside Docker volumes).
#
#   tests/e2e/boot_to_ready.sh --build-dir BUILD
#
# Every check runs and is reported; the test fails if any failed. Nothing is skipped: a missing
# daemon is a failure that names it.
# shellcheck disable=SC2015,SC2016  # `check && pass || fail` lines; guest commands expand in the guest
set -uo pipefail

source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    *) echo "usage: boot_to_ready.sh --build-dir BUILD" >&2; exit 2 ;;
  esac
done
[ -n "$build_dir" ] || { echo "usage: boot_to_ready.sh --build-dir BUILD" >&2; exit 2; }

version=$(sed -n 's/^project(cairn VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
deb="$build_dir/cairn_${version}_amd64.deb"
work="$build_dir/e2e"
cache=${CAIRN_IMAGE_CACHE:-/var/cache/cairn-image}
domain=e2e.cairn.localhost
daemons=(cairn-supervisord cairn-exporter cairn-logshipd)
failures=()
started=$(date +%s)

say() { printf '[%4ds] %s\n' $(($(date +%s) - started)) "$*"; }
fail() { failures+=("$1"); say "FAIL: $1"; }
pass() { say "ok: $1"; }
fatal() {
  fail "$1"
  finish
}

qemu_pid=""
finish() {
  if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
    kill "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
  fi
  say "total e2e time: $(($(date +%s) - started)) s"
  if [ ${#failures[@]} -gt 0 ]; then
    echo "boot-to-ready FAILED (${#failures[@]}):"
    printf '  - %s\n' "${failures[@]}"
    echo "guest console: $work/console.log"
    exit 1
  fi
  echo "boot-to-ready passed"
  exit 0
}

for tool in qemu-system-x86_64 qemu-img ssh ssh-keygen scp mkfs.vfat mcopy openssl busybox; do
  command -v "$tool" >/dev/null || fatal "$tool is missing on the host (tests/packages.txt lists its package)"
done
[ -w /dev/kvm ] || fatal "/dev/kvm is not usable; the e2e test boots a VM with KVM"
[ -f "$deb" ] || fatal "no package at $deb (the packaging_deb test builds it)"

rm -rf "$work"
mkdir -p "$work"

# --- the package must carry every daemon ----------------------------------------------------
package_files=$(dpkg-deb -c "$deb")
for daemon in "${daemons[@]}"; do
  if grep -Eq "/usr/s?bin/$daemon\$" <<< "$package_files"; then
    pass "$daemon is in the package"
  else
    fail "$daemon is not in the package: its part is not in this build (docs/architecture.md, Binaries)"
  fi
done

# --- image ------------------------------------------------------------------------------------
say "building the appliance image (cached in $cache by content hash)"
image_started=$(date +%s)
if ! "$source_dir/packaging/image/build-image.sh" --deb "$deb" --out "$work/base.img" --size 8G --cache "$cache" \
    > "$work/image-build.log" 2>&1; then
  tail -30 "$work/image-build.log"
  fatal "the image did not build (log: $work/image-build.log)"
fi
say "image ready in $(($(date +%s) - image_started)) s"
qemu-img create -q -f qcow2 -F raw -b "$work/base.img" "$work/disk.qcow2"
say "building the service image's root file system (cached)"
standin_tar=$("$source_dir/tests/support/service_image/build.sh" "$cache" 2> "$work/standin-build.log") \
  || fatal "the service image did not build: $(tail -3 "$work/standin-build.log")"

# --- config drive with the user data ----------------------------------------------------------
ssh-keygen -q -t ed25519 -N "" -f "$work/id_ed25519"
cat > "$work/user-data" <<EOF
#cloud-config
hostname: cairn-e2e
ssh_authorized_keys:
  - $(cat "$work/id_ed25519.pub")
cairn:
  domain: $domain
  admin_email: ops@$domain
EOF
printf 'instance-id: cairn-e2e\nlocal-hostname: cairn-e2e\n' > "$work/meta-data"
mkfs.vfat -n CIDATA -C "$work/seed.img" 2048 >/dev/null
mcopy -i "$work/seed.img" "$work/user-data" "$work/meta-data" ::/

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ssh_port=$(free_port)
https_port=$(free_port)
http_port=$(free_port)

ssh_options=(-i "$work/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  -o ConnectTimeout=5 -o BatchMode=yes -o ControlMaster=auto -o ControlPath="$work/ssh-%C" -o ControlPersist=600)
guest() { ssh "${ssh_options[@]}" -p "$ssh_port" root@127.0.0.1 "$@"; }
to_guest() { scp -q "${ssh_options[@]}" -P "$ssh_port" "$@"; }

# --- boot -------------------------------------------------------------------------------------
# UEFI (OVMF + systemd-boot) with KVM. Where this machine's KVM cannot run the firmware (nested
# virtualisation without full instruction emulation stops it at once with "KVM internal error"),
# the test says so and boots the same image with TCG instead; CAIRN_E2E_ACCEL=kvm|tcg forces one.
firmware=/usr/share/ovmf/OVMF.fd
[ -f "$firmware" ] || fatal "$firmware is missing (apt-get install ovmf)"
boot_vm() {  # boot_vm ACCEL
  local cpu=()
  [ "$1" = kvm ] && cpu=(-cpu "host,-arch-capabilities")
  : > "$work/console.log"
  qemu-system-x86_64 -accel "$1" "${cpu[@]}" -smp 2 -m 3072 -bios "$firmware" -nographic -no-reboot \
    -drive file="$work/disk.qcow2",format=qcow2,if=virtio \
    -drive file="$work/seed.img",format=raw,if=virtio,readonly=on \
    -drive file="$standin_tar",format=raw,if=none,id=services,readonly=on \
    -device virtio-blk-pci,drive=services,serial=cairn-services \
    -netdev user,id=net0,hostfwd=tcp:127.0.0.1:"$ssh_port"-:22,hostfwd=tcp:127.0.0.1:"$https_port"-:443,hostfwd=tcp:127.0.0.1:"$http_port"-:80 \
    -device virtio-net-pci,netdev=net0 \
    -serial file:"$work/console.log" -monitor none -display none > "$work/qemu.log" 2>&1 &
  qemu_pid=$!
}
accel=${CAIRN_E2E_ACCEL:-kvm}
say "booting with $accel (2 vCPUs, 3 GiB, UEFI); console in $work/console.log"
power_on=$(date +%s.%N)
boot_vm "$accel"
if [ -z "${CAIRN_E2E_ACCEL:-}" ]; then
  # A KVM that cannot emulate what the firmware does stops the guest (qemu stays up) at once.
  for _ in $(seq 20); do
    grep -q 'KVM internal error' "$work/qemu.log" && break
    sleep 0.5
  done
  if grep -q 'KVM internal error' "$work/qemu.log"; then
    kill "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
    cp "$work/qemu.log" "$work/qemu-kvm.log"
    say "KVM on this machine cannot run the guest firmware ('$(grep -m1 'emulation failure\|KVM internal error' "$work/qemu-kvm.log")', see $work/qemu-kvm.log); booting with TCG instead"
    accel=tcg
    rm -f "$work/disk.qcow2"
    qemu-img create -q -f qcow2 -F raw -b "$work/base.img" "$work/disk.qcow2"
    power_on=$(date +%s.%N)
    boot_vm tcg
  fi
fi
echo "$accel" > "$work/accel"

login_timeout=$([ "$accel" = kvm ] && echo 180 || echo 420)
deadline=$(($(date +%s) + login_timeout))
until guest true 2>/dev/null; do
  kill -0 "$qemu_pid" 2>/dev/null || fatal "qemu exited during boot ($(tail -3 "$work/qemu.log" | paste -sd' '))"
  [ "$(date +%s)" -lt "$deadline" ] || fatal "no SSH login within $login_timeout s of power-on"
  sleep 1
done
pass "SSH answers with the key from the config drive"
system_state=$(guest 'timeout 300 systemctl is-system-running --wait' 2>/dev/null)
ready=$(date +%s.%N)
boot_seconds=$(awk -v a="$power_on" -v b="$ready" 'BEGIN { printf "%.1f", b - a }')
if [ "$system_state" = running ]; then
  pass "systemd reached multi-user with no failed unit"
else
  fail "systemd is '$system_state' after boot; failed units: $(guest 'systemctl --failed --no-legend --plain' | awk '{print $1}' | paste -sd' ')"
fi
say "power-on to ready: $boot_seconds s ($accel); guest: $(guest 'systemd-analyze time' 2>/dev/null | head -1)"
guest 'systemd-analyze blame' 2>/dev/null | head -15 > "$work/boot-blame.txt"
echo "$boot_seconds" > "$work/boot-seconds"

# --- the installed package --------------------------------------------------------------------
for daemon in "${daemons[@]}"; do
  state=$(guest "systemctl is-active $daemon.service" 2>/dev/null)
  if [ "$state" = active ]; then
    pass "$daemon.service is active"
  else
    fail "$daemon.service is '$state'$(guest "command -v $daemon >/dev/null" || echo " (not installed: no $daemon in /usr/bin or /usr/sbin)")"
  fi
  enabled=$(guest "systemctl is-enabled $daemon.service" 2>/dev/null)
  [ "$enabled" = enabled ] || fail "$daemon.service is '$enabled', not enabled"
done
[ "$(guest 'systemctl is-active cairn-firstboot.service')" = active ] \
  && pass "the first-boot unit ran" || fail "cairn-firstboot.service did not succeed: $(guest 'journalctl -u cairn-firstboot --no-pager | tail -5')"
guest "grep -q '\"$domain\"' /etc/cairn/appliance.json" \
  && pass "the spec has the domain from the user data" || fail "the spec does not have the user data's domain $domain"
[ "$(guest hostname)" = cairn-e2e ] && pass "host name from the user data" || fail "host name is not cairn-e2e"
guest 'dpkg-query -W -f="\${Conffiles}" cairn' | grep -q '/etc/cairn/appliance.json' \
  && pass "the spec is a conffile" || fail "/etc/cairn/appliance.json is not a conffile of cairn"
modes=$(guest 'stat -c "%n %U:%G %a" /etc/cairn /etc/cairn/secrets.json /var/lib/cairn' 2>&1)
expected_modes=$'/etc/cairn root:cairn 750\n/etc/cairn/secrets.json root:root 600\n/var/lib/cairn cairn:cairn 750'
[ "$modes" = "$expected_modes" ] && pass "owners and modes of cairn's directories" || fail "owners and modes: got '$modes'"
guest 'id -nG cairn' | grep -qw docker && pass "cairn is in the docker group" || fail "cairn is not in the docker group"
guest 'systemctl is-active docker && docker info --format "{{.ServerVersion}}"' >/dev/null \
  && pass "dockerd runs" || fail "dockerd does not run"

# --- service images and the spec pointing at them ------------------------------------------------
# No registry is reachable: the test service image (tests/support/service_image: real PostgreSQL
# from Debian, stand-ins for Keycloak, oauth2-proxy and Loki), attached to the VM as a read-only
# disk holding its tarball, is imported into the guest's Docker and tagged per service. Grafana, Prometheus and Airflow are disabled: nothing the checks
# below need depends on them (Prometheus would listen on the host network); Redis is oauth2-proxy's session store.
say "loading the service images"
guest 'cat > /tmp/load-service-image.sh' < "$source_dir/tests/support/service_image/load.sh"
guest 'bash /tmp/load-service-image.sh --tarball /dev/disk/by-id/virtio-cairn-services' > "$work/service-image.log" 2>&1 \
  || fail "loading the service image (the read-only disk cairn-services) failed: $(tail -3 "$work/service-image.log")"
guest "cat > /etc/cairn/appliance.json" <<EOF
{
  "version": 1,
  "domain": "$domain",
  "admin_email": "ops@$domain",
  "tls": { "mode": "self-signed" },
  "services": {
    "postgres": { "image": "cairn-standin/postgres:1" },
    "keycloak": { "image": "cairn-standin/keycloak:1" },
    "oauth2-proxy": { "image": "cairn-standin/oauth2-proxy:1" },
    "loki": { "image": "cairn-standin/loki:1" },
    "redis": { "image": "cairn-standin/redis:1" }, "grafana": { "enabled": false },
    "prometheus": { "enabled": false }, "airflow": { "enabled": false }
  },
  "routes": [ { "host": "app.$domain", "upstream": "http://127.0.0.1:8999", "auth": "sso" } ],
  "users": [ { "username": "admin", "email": "ops@$domain", "roles": ["admin"] } ]
}
EOF
if guest 'cairnctl apply' > "$work/apply.log" 2>&1; then
  pass "cairnctl apply with the local images"
else
  fail "cairnctl apply failed: $(tail -5 "$work/apply.log")"
fi

# --- the appliance answers ----------------------------------------------------------------------
# Waiting makes sense only while the supervisor runs; without it the checks below fail at once.
supervisor_running() { [ "$(guest 'systemctl is-active cairn-supervisord' 2>/dev/null)" = active ]; }
deadline=$(($(date +%s) + 120))
until guest 'cairnctl status' > "$work/status.txt" 2>&1; do
  supervisor_running && [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 2
done
guest 'cairnctl status' > "$work/status.txt" 2>&1 \
  && pass "cairnctl status answers" || fail "cairnctl status: $(head -3 "$work/status.txt")"

certificate=$(echo | openssl s_client -connect 127.0.0.1:"$https_port" -servername "$domain" 2>/dev/null)
if grep -q 'BEGIN CERTIFICATE' <<< "$certificate"; then
  pass "nginx answers TLS on 443"
  echo "$certificate" | openssl x509 -noout -text > "$work/certificate.txt" 2>&1
  subject=$(echo "$certificate" | openssl x509 -noout -subject -nameopt RFC2253)
  issuer=$(echo "$certificate" | openssl x509 -noout -issuer -nameopt RFC2253)
  [ "${subject#subject=}" = "${issuer#issuer=}" ] && pass "the certificate is self-signed" \
    || fail "the certificate is not self-signed ($subject, $issuer)"
  grep -q "DNS:$domain" "$work/certificate.txt" && pass "the certificate names $domain" \
    || fail "the certificate does not name $domain"
else
  fail "nginx does not answer TLS on 443"
fi
https() { curl -sk -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 --resolve "$1:$https_port:127.0.0.1" "https://$1:$https_port$2"; }
# A gated page without a session is answered by the redirect to the sign-in (oauth2-proxy's
# sign_in/start, or the identity provider's login page it sends the browser to).
redirects_to_sign_in() {
  [ "${1%% *}" = 302 ] && [[ "${1#* }" =~ (/oauth2/(sign_in|start)|/protocol/openid-connect/auth) ]]
}
gated_hosts=("$domain" "app.$domain")
# oauth2-proxy starts once Keycloak is healthy, which waits for PostgreSQL (and Redis); until
# then nginx's gate answers 500. Once the gate answers, no gated host may answer 5xx again.
deadline=$(($(date +%s) + 300))
until gated=$(https "app.$domain" /) && redirects_to_sign_in "$gated"; do
  supervisor_running && [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 3
done
for host in "${gated_hosts[@]}"; do
  for page in / '/a/b?x=1&y=2'; do
    answer=$(https "$host" "$page")
    if redirects_to_sign_in "$answer"; then
      pass "https://$host$page is gated: redirect to the sign-in ($answer)"
    else
      [[ "${answer%% *}" =~ ^5 ]] && what="a server error" || what="no redirect to the sign-in"
      guest 'cairnctl status; journalctl -u cairn-supervisord --no-pager -n 200' > "$work/supervisor.log" 2>&1
      fail "https://$host$page answered $what: '$answer' (containers: $(guest 'docker ps -a --format "{{.Names}} {{.Status}}"' | paste -sd';'); status and supervisor log: $work/supervisor.log)"
    fi
  done
done
# A host name the appliance does not serve gets no page (not nginx's welcome page), even with a
# known name in the TLS handshake.
unknown_tls=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$domain:$https_port:127.0.0.1" -H "Host: unknown.$domain" "https://$domain:$https_port/")
unknown_plain=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Host: unknown.$domain" "http://127.0.0.1:$http_port/")
[ "$unknown_tls" = 000 ] && [ "$unknown_plain" = 000 ] && pass "an unknown Host gets the connection closed on 443 and 80" \
  || fail "an unknown Host got a page: https '$unknown_tls', http '$unknown_plain' (expected the connection closed)"
plain=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 -H "Host: $domain" "http://127.0.0.1:$http_port/")
case "${plain%% *}" in
  301|302|308) pass "http redirects to https ($plain)" ;;
  *) fail "http://$domain/ does not redirect to https: got '$plain'" ;;
esac

metrics=$(guest 'exec 3<>/dev/tcp/127.0.0.1/9464 && printf "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3 && cat <&3' 2>/dev/null)
if [[ "${metrics%%$'\n'*}" == *" 200"* ]] && grep -q '^# TYPE ' <<< "$metrics"; then
  pass "the exporter serves metrics on 127.0.0.1:9464 ($(grep -c '^# TYPE ' <<< "$metrics") families)"
else
  fail "the exporter does not serve metrics on 127.0.0.1:9464"
fi

public=$(guest "ss -ltnH | awk '{print \$4}'" | sed -E 's/%[^:]*:/:/' | grep -vE '^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):[0-9]+$' \
  | sed -E 's/.*:([0-9]+)$/\1/' | sort -un | paste -sd' ')
[ "$public" = "22 80 443" ] && pass "only 22 80 443 listen on public addresses" \
  || fail "TCP ports listening on public addresses: '$public' (expected '22 80 443')"

# --- upgrade N -> N+1 ---------------------------------------------------------------------------
say "upgrading to N+1"
repack() {  # repack VERSION OUT
  rm -rf "$work/repack" && dpkg-deb -R "$deb" "$work/repack" \
    && sed -i "s/^Version: .*/Version: $1/" "$work/repack/DEBIAN/control" \
    && dpkg-deb --root-owner-group -b "$work/repack" "$2" >/dev/null
}
snapshot='sha256sum /etc/cairn/appliance.json /etc/cairn/secrets.json;
  docker ps -q --no-trunc --filter label=io.cairn.managed=true | sort | xargs -r docker inspect -f "{{.Id}} {{.State.StartedAt}} {{.State.Running}}"'
pids='for u in cairn-supervisord cairn-exporter cairn-logshipd; do systemctl show -p MainPID --value $u; done'
repack "$version+e2e1" "$work/cairn-next.deb" || fatal "cannot repack the package as N+1"
to_guest "$work/cairn-next.deb" root@127.0.0.1:/tmp/cairn-next.deb
before=$(guest "$snapshot")
pids_before=$(guest "$pids")
history_before=$(guest 'ls /var/lib/cairn/history | wc -l')
if guest 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/cairn-next.deb' > "$work/upgrade.log" 2>&1; then
  pass "apt installs N+1 over N"
else
  fail "the upgrade failed: $(tail -5 "$work/upgrade.log")"
fi
[ "$(guest "dpkg-query -W -f='\${Version}' cairn")" = "$version+e2e1" ] || fail "N+1 is not the installed version"
after=$(guest "$snapshot")
[ "$before" = "$after" ] && pass "spec, secrets and running containers kept ($(echo "$before" | grep -c ' true$') containers)" \
  || fail "the upgrade changed the spec, secrets or containers: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -4)"
pids_after=$(guest "$pids")
restarted=$(paste <(echo "$pids_before") <(echo "$pids_after") | awk '$1 != $2 && $2 != 0' | wc -l)
[ "$restarted" -eq ${#daemons[@]} ] && pass "the daemons were restarted" || fail "only $restarted of ${#daemons[@]} daemons were restarted"
grep -q 'applying /etc/cairn/appliance.json' "$work/upgrade.log" && pass "the upgrade re-applied the spec" \
  || fail "the upgrade did not re-apply the spec (history $history_before entries)"

say "upgrading to N+2 with a broken spec"
repack "$version+e2e2" "$work/cairn-broken.deb" || fatal "cannot repack the package as N+2"
to_guest "$work/cairn-broken.deb" root@127.0.0.1:/tmp/cairn-broken.deb
rendered_before=$(guest 'find /etc/cairn/rendered -type f -print0 | sort -z | xargs -0 -r sha256sum')
guest 'cp /etc/cairn/appliance.json /root/spec.good && echo "{ \"version\": 1, \"domain\": \"not a domain\" }" > /etc/cairn/appliance.json'
if guest 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold /tmp/cairn-broken.deb' > "$work/upgrade-broken.log" 2>&1; then
  pass "the upgrade completes with a broken spec"
else
  fail "the upgrade with a broken spec failed: $(tail -5 "$work/upgrade-broken.log")"
fi
grep -q 'previous configuration is still running' "$work/upgrade-broken.log" && pass "the broken spec is reported" \
  || fail "the upgrade did not say the broken spec was not applied"
[ "$(guest 'find /etc/cairn/rendered -type f -print0 | sort -z | xargs -0 -r sha256sum')" = "$rendered_before" ] \
  && pass "the old configuration is still in place" || fail "the broken spec changed the rendered configuration"
guest 'cp /root/spec.good /etc/cairn/appliance.json; rm -f /root/spec.good /tmp/cairn-next.deb /tmp/cairn-broken.deb'

# --- purge --------------------------------------------------------------------------------------
say "purging"
volumes_before=$(guest 'docker volume ls -q | sort')
if guest 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q cairn' > "$work/purge.log" 2>&1; then
  pass "apt purge cairn"
else
  fail "apt purge cairn failed: $(tail -5 "$work/purge.log")"
fi
grep -q 'docker volume rm' "$work/purge.log" && pass "purge says how to remove the data" || fail "purge does not say how to remove the Docker volumes"
# The image's own first-boot files are not the package's (nor is the Pitcairn time zone).
leftovers=$(guest "find / -xdev \\( -path /var/lib/docker -o -path /proc -o -path /sys -o -path /root -o -path /usr/share/zoneinfo \\) -prune -o -name '*cairn*' -print \
  | grep -vE '^(/usr/libexec/cairn-firstboot|(/usr)?/lib/systemd/system/cairn-firstboot.service|/etc/systemd/system/multi-user.target.wants/cairn-firstboot.service|/var/lib/cairn-firstboot(/.*)?)$';
  getent passwd cairn; getent group cairn; ls -d /run/cairn 2>/dev/null;
  docker ps -aq --filter label=io.cairn.managed=true; docker network ls -q --filter name=^cairn\$" 2>&1)
[ -z "$leftovers" ] && pass "nothing of cairn is left outside Docker volumes" || fail "left after purge: $(echo "$leftovers" | head -10 | paste -sd' ')"
[ "$(guest 'docker volume ls -q | sort')" = "$volumes_before" ] && pass "Docker volumes kept ($(echo "$volumes_before" | grep -c .))" \
  || fail "purge removed Docker volumes"
guest 'systemctl is-active nginx' >/dev/null && pass "nginx still runs after the purge" || fail "nginx stopped working after the purge"

say "power-on to ready was $boot_seconds s with $accel"
finish
