#include "provisioning/edge/tls.hpp"

namespace cairn::edge {

// The TLS step as a POSIX shell script over openssl(1) and certbot(1). Rendered as
// /etc/cairn/rendered/tls/prepare.sh; the apply runs it as a validator (before nginx -t, which
// needs the certificate) and certbot runs it from its deploy hook.
const char* tlsPrepareScript() {
  return R"SH(#!/bin/sh
# Rendered by cairn: the certificate nginx serves. Usage:
#   prepare.sh select ROOT MODE HOSTS [CERTIFICATE KEY] [STAGE]
#     Points ROOT/etc/cairn/rendered/tls/live/{fullchain,privkey}.pem at the certificate to serve
#     (MODE self-signed: generated here and renewed 30 days before it expires; acme: certbot's
#     once it exists, the self-signed one until then; provided: CERTIFICATE and KEY, checked)
#     and records it in certificate.json and cairn_tls.prom. With STAGE, the staged tree gets the
#     same links so that nginx -t can check it.
#   prepare.sh request ROOT HOSTS EMAIL
#     Asks Let's Encrypt for a certificate through the webroot (acme mode); never fails the apply.
# HOSTS is comma-separated; the first one names the certificate.
set -u
action=$1
root=$2
tls="$root/etc/cairn/rendered/tls"
umask 022

fail() {
  echo "tls: $*" >&2
  exit 1
}

# Prints why CERTIFICATE and KEY cannot be served, or nothing when they can.
check_pair() {
  [ -r "$1" ] || { echo "cannot read the certificate $1"; return; }
  [ -r "$2" ] || { echo "cannot read the key $2"; return; }
  cert_pub=$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null) || { echo "$1 is not a PEM certificate"; return; }
  key_pub=$(openssl pkey -in "$2" -pubout 2>/dev/null) || { echo "$2 is not a PEM private key"; return; }
  [ "$cert_pub" = "$key_pub" ] || { echo "the key $2 does not belong to the certificate $1"; return; }
  openssl x509 -in "$1" -noout -checkend 0 >/dev/null || echo "the certificate $1 has expired"
}

ensure_self_signed() {
  dir="$tls/self-signed"
  mkdir -p "$dir" && chmod 700 "$dir" || fail "cannot create $dir"
  if [ -s "$dir/fullchain.pem" ] && [ "$(cat "$dir/hosts" 2>/dev/null)" = "$1" ] &&
    openssl x509 -in "$dir/fullchain.pem" -noout -checkend 2592000 >/dev/null 2>&1 &&
    [ -z "$(check_pair "$dir/fullchain.pem" "$dir/privkey.pem")" ]; then
    return 0
  fi
  san=$(printf '%s' "$1" | sed 's/\([^,][^,]*\)/DNS:\1/g')
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -subj "/CN=${1%%,*}" -addext "subjectAltName=$san" \
    -keyout "$dir/privkey.pem.tmp" -out "$dir/fullchain.pem.tmp" >"$dir/openssl.log" 2>&1 ||
    fail "generating the self-signed certificate failed: $(cat "$dir/openssl.log")"
  chmod 600 "$dir/privkey.pem.tmp"
  mv -f "$dir/privkey.pem.tmp" "$dir/privkey.pem" && mv -f "$dir/fullchain.pem.tmp" "$dir/fullchain.pem" ||
    fail "cannot store the self-signed certificate in $dir"
  printf '%s' "$1" >"$dir/hosts"
}

# link DIR NAME TARGET: DIR/NAME becomes a symbolic link to TARGET, atomically.
link() {
  mkdir -p "$1" && ln -sfn "$3" "$1/$2.tmp" && mv -Tf "$1/$2.tmp" "$1/$2" || fail "cannot link $1/$2"
}

json_string() {
  printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  ')"
}

# write_status SOURCE MODE CERTIFICATE MESSAGE
write_status() {
  end=$(openssl x509 -in "$3" -noout -enddate | cut -d= -f2)
  unix=$(date -d "$end" +%s) || fail "cannot read the expiry date of $3"
  subject=$(openssl x509 -in "$3" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
  fallback=0
  [ "$1" = "self-signed-fallback" ] && fallback=1
  {
    printf '{"mode":%s,"source":%s,"certificate":%s,"subject":%s,"not_after":%s,"not_after_unix":%s,"fallback":%s,"message":%s}\n' \
      "$(json_string "$2")" "$(json_string "$1")" "$(json_string "$3")" "$(json_string "$subject")" "$(json_string "$end")" "$unix" \
      "$([ $fallback = 1 ] && echo true || echo false)" "$(json_string "$4")"
  } >"$tls/certificate.json.tmp" && mv -f "$tls/certificate.json.tmp" "$tls/certificate.json" ||
    fail "cannot write $tls/certificate.json"
  {
    echo "# HELP cairn_tls_certificate_expiry_timestamp_seconds When the certificate nginx serves expires, as a Unix time."
    echo "# TYPE cairn_tls_certificate_expiry_timestamp_seconds gauge"
    echo "cairn_tls_certificate_expiry_timestamp_seconds{mode=\"$2\",source=\"$1\"} $unix"
    echo "# HELP cairn_tls_certificate_fallback 1 while tls.mode acme serves the self-signed certificate."
    echo "# TYPE cairn_tls_certificate_fallback gauge"
    echo "cairn_tls_certificate_fallback{mode=\"$2\"} $fallback"
  } >"$tls/cairn_tls.prom.tmp" && mv -f "$tls/cairn_tls.prom.tmp" "$tls/cairn_tls.prom" ||
    fail "cannot write $tls/cairn_tls.prom"
}

case "$action" in
select)
  mode=$3
  hosts=$4
  mkdir -p "$tls/live" || fail "cannot create $tls/live"
  message=""
  case "$mode" in
  self-signed)
    ensure_self_signed "$hosts"
    cert="$tls/self-signed/fullchain.pem" key="$tls/self-signed/privkey.pem" source=self-signed
    ;;
  provided)
    cert="$root${5:-}" key="$root${6:-}" source=provided
    problem=$(check_pair "$cert" "$key")
    [ -z "$problem" ] || fail "tls.mode \"provided\": $problem"
    ;;
  acme)
    live="$root/etc/letsencrypt/live/${hosts%%,*}"
    problem=$(check_pair "$live/fullchain.pem" "$live/privkey.pem")
    if [ -z "$problem" ]; then
      cert="$live/fullchain.pem" key="$live/privkey.pem" source=acme
    else
      ensure_self_signed "$hosts"
      cert="$tls/self-signed/fullchain.pem" key="$tls/self-signed/privkey.pem" source=self-signed-fallback
      message="no usable ACME certificate yet ($problem); serving the self-signed certificate until certbot gets one"
    fi
    ;;
  *) fail "unknown mode $mode" ;;
  esac
  link "$tls/live" fullchain.pem "$cert"
  link "$tls/live" privkey.pem "$key"
  if [ -n "${7:-}" ]; then
    link "$7/etc/cairn/rendered/tls/live" fullchain.pem "$cert"
    link "$7/etc/cairn/rendered/tls/live" privkey.pem "$key"
  fi
  write_status "$source" "$mode" "$cert" "$message"
  [ -z "$message" ] || echo "tls: $message"
  ;;
request)
  if [ -n "$root" ]; then
    echo "tls: apply under --root $root: no certificate is requested"
    exit 0
  fi
  hosts=$3
  email=$4
  first=${hosts%%,*}
  [ -n "$(check_pair "$root/etc/letsencrypt/live/$first/fullchain.pem" "$root/etc/letsencrypt/live/$first/privkey.pem")" ] ||
    exit 0
  if ! command -v certbot >/dev/null 2>&1; then
    echo "tls: certbot is not installed; serving the self-signed certificate"
    exit 0
  fi
  domains=""
  for host in $(printf '%s' "$hosts" | tr ',' ' '); do domains="$domains -d $host"; done
  # shellcheck disable=SC2086
  if ! certbot certonly --webroot -w "$root/var/lib/cairn/acme" --cert-name "$first" $domains \
    --config-dir "$root/etc/letsencrypt" --non-interactive --agree-tos -m "$email" --keep-until-expiring \
    --deploy-hook "$root/etc/cairn/rendered/tls/renew-hook.sh" >"$tls/certbot.log" 2>&1; then
    echo "tls: certbot could not get a certificate yet; serving the self-signed one. certbot said:"
    tail -n 5 "$tls/certbot.log"
  fi
  exit 0
  ;;
*) fail "unknown action $action" ;;
esac
)SH";
}

}  // namespace cairn::edge
