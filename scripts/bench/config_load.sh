#!/usr/bin/env bash
# Config load time at scale: `-t` on a generated file of SERVERS server blocks (three locations each) and
# UPSTREAMS upstreams, switchyard vs nginx, median of RUNS runs of user+system CPU seconds (wall time too:
# on a loaded machine CPU time is the fair figure). Prints `ratio config_load switchyard/nginx=X.XX`.
# Usage: scripts/bench/config_load.sh [SERVERS=5000] [UPSTREAMS=1000] [RUNS=5]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SWITCHYARD=${SWITCHYARD:-$HERE/../../.build/release/switchyard}
NGINX=${NGINX:-/usr/sbin/nginx}
servers=${1:-5000} upstreams=${2:-1000} runs=${3:-5}
dir=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-config-load.XXXXXX")
trap 'rm -rf "$dir"' EXIT
python3 "$HERE/big_config.py" "$dir" "$servers" "$upstreams"
size=$(stat -c %s "$dir/nginx.conf")
measure() { # NAME BINARY -> median "cpu wall" over $runs
  local name=$1 bin=$2 i out
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -o "$dir/$name.time" -f "%U %S %e" "$bin" -t -q -p "$dir" -c "$dir/nginx.conf" \
      >/dev/null 2>"$dir/$name.err" || { echo "config_load: $name -t failed:" >&2; cat "$dir/$name.err" >&2; exit 1; }
    awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' "$dir/$name.time"
  done | sort -n | awk -v n="$runs" 'NR == int((n + 1) / 2) { print }'
}
read -r sy_cpu sy_wall <<<"$(measure switchyard "$SWITCHYARD")"
read -r ng_cpu ng_wall <<<"$(measure nginx "$NGINX")"
echo "config_load: $servers servers, $((servers * 3)) locations, $upstreams upstreams, $size bytes; median of $runs"
printf '| proxy | -t CPU seconds | -t wall seconds |\n|---|---:|---:|\n| switchyard | %s | %s |\n| nginx | %s | %s |\n' \
  "$sy_cpu" "$sy_wall" "$ng_cpu" "$ng_wall"
awk -v s="$sy_cpu" -v n="$ng_cpu" 'BEGIN { printf "ratio config_load switchyard/nginx=%.2f (CPU seconds of -t; below 1 is faster)\n", s / n }'
