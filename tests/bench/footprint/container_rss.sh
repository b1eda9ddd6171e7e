#!/bin/bash
# Memory of every running cairn container at rest, as a Markdown table: the cgroup's usage (what
# `docker stats` shows, page cache included) and the proportional set size of the container's
# processes (PSS from /proc/PID/smaps_rollup: shared pages split between the processes sharing
# them, so forked API server and Celery processes are not counted twice). Run it as root against
# an appliance (or a test's catalog) that has been idle for a few minutes.
#   container_rss.sh [SECONDS]   wait SECONDS first (default 10), then measure once
set -euo pipefail
sleep "${1:-10}"
printf '| container | docker stats | PSS of its processes | processes |\n|---|---|---|---|\n'
total=0
while read -r name; do
  usage=$(docker stats --no-stream --format '{{.MemUsage}}' "$name" | cut -d/ -f1 | tr -d ' ')
  pss_kib=0 count=0
  for pid in $(docker top "$name" -eo pid | tail -n +2); do
    kib=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
    pss_kib=$((pss_kib + ${kib:-0})); count=$((count + 1))
  done
  total=$((total + pss_kib))
  printf '| %s | %s | %d MiB | %d |\n' "$name" "$usage" $((pss_kib / 1024)) "$count"
done < <(docker ps --filter name=^cairn- --format '{{.Names}}' | sort)
printf '| **total** | | **%d MiB** | |\n' $((total / 1024))
