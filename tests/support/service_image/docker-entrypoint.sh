#!/bin/bash
# Stand-in for the official redis image's docker-entrypoint.sh (test image only), implementing
# exactly its contract: for `redis-server …` run as root, own /data and drop to user redis; work
# in /data (the image's WORKDIR, where --appendonly writes); run any other command as given.
set -euo pipefail
cd /data 2>/dev/null || cd /
if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  chown -R redis:redis /data 2>/dev/null || true
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
