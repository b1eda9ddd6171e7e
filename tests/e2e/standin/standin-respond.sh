#!/bin/sh
# One HTTP exchange of the stand-in (standin.sh): reads the request, answers per its contract.
read -r method path _ || exit 0
while read -r line; do
  [ "$(printf '%s' "$line" | tr -d '\r')" = "" ] && break
done
case "${STANDIN_SERVICE:-}:$path" in
  oauth2-proxy:/oauth2/auth*) status="401 Unauthorized"; extra="" ;;
  oauth2-proxy:/oauth2/start*|oauth2-proxy:/oauth2/sign_in*)
    status="302 Found"; extra="Location: /realms/cairn/protocol/openid-connect/auth\r\n" ;;
  *) status="200 OK"; extra="" ;;
esac
printf "HTTP/1.0 %s\r\n${extra}Content-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n" "$status"
[ "$method" = "" ] || true
