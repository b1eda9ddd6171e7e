#!/usr/bin/env bash
# Starts Debian's dockerd for the tests when none answers, and stops it afterwards only if this
# same test run started it. Used as a CTest fixture; STATE_DIR belongs to one build tree, so two
# test runs sharing the engine never stop each other's:
#   dockerd.sh start STATE_DIR   # waits until the engine answers (up to 60 s)
#   dockerd.sh stop STATE_DIR
set -euo pipefail
state_dir=${2:?usage: dockerd.sh start|stop STATE_DIR}
socket=/var/run/docker.sock
mkdir -p "$state_dir"

answers() { curl -sf --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1; }

case "${1:-}" in
  start)
    if answers; then exit 0; fi
    command -v dockerd >/dev/null || { echo "dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
    # A started-by-us marker; a second concurrent start finds the engine answering.
    nohup dockerd --iptables=false --bridge=none >"$state_dir/dockerd.log" 2>&1 &
    echo $! > "$state_dir/dockerd.pid"
    for _ in $(seq 1 120); do
      if answers; then exit 0; fi
      sleep 0.5
    done
    echo "dockerd did not answer within 60 s; its log:" >&2
    tail -n 30 "$state_dir/dockerd.log" >&2
    exit 1
    ;;
  stop)
    [ -f "$state_dir/dockerd.pid" ] || exit 0
    pid=$(cat "$state_dir/dockerd.pid")
    rm -f "$state_dir/dockerd.pid"
    kill "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    ;;
  *)
    echo "usage: dockerd.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
