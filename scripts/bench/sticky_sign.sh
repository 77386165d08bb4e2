#!/usr/bin/env bash
# What signing costs `sticky cookie` (issue 19, part 2), in user-space instructions per request under callgrind,
# the way bench.sh measures sticky routing: one switchyard under callgrind serves two keep-alive clients taking
# turns, each carrying the sticky cookie of one server, through `sticky cookie srv` and through the same with
# `sign=`; the counters are zeroed before and dumped after each scenario.
#
# Usage: scripts/bench/sticky_sign.sh [N]   (N requests per scenario, default 2000; after `swift build -c release`)
# Knobs: SWITCHYARD=path NGINX=path. Everything listens on 127.0.0.1; every process started is stopped by PID.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/scripts/bench
SWITCHYARD=${SWITCHYARD:-$ROOT/.build/release/switchyard}
NGINX=${NGINX:-/usr/sbin/nginx}
N=${1:-2000}
. "$HERE/scratch.sh"
bench_scratch sticky_sign "$SWITCHYARD" "$NGINX" valgrind callgrind_control objcopy python3

read -r B1 B2 P_PLAIN P_SIGNED <<<"$(python3 "$HERE/free_ports.py" 4)"
mkdir -p "$TMP/proxy"
static_backends "$B1" "$B2"

echo "k1-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$TMP/proxy/sticky.keys"
{ proxy_conf_head "$TMP/proxy"; cat <<EOF; } >"$TMP/proxy/proxy.conf"
    upstream plain  { server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 32; sticky cookie srv path=/; }
    upstream signed { server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 32; sticky cookie srv path=/ sign=sticky.keys; }
    server { listen 127.0.0.1:$P_PLAIN;  location / { proxy_pass http://plain; } }
    server { listen 127.0.0.1:$P_SIGNED; location / { proxy_pass http://signed; } }
}
EOF
objcopy --strip-debug "$SWITCHYARD" "$TMP/switchyard-nodebug"
valgrind --tool=callgrind --callgrind-out-file="$TMP/callgrind.out" "$TMP/switchyard-nodebug" \
  -p "$TMP/proxy" -c "$TMP/proxy/proxy.conf" -g "daemon off;" >"$TMP/callgrind.log" 2>&1 &
PROXY=$!; PIDS+=($PROXY)
for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$P_SIGNED") 2>/dev/null && break; sleep 0.1; done

# Warm up (and learn each scenario's two cookies), then zero, run, dump per scenario.
for port in "$P_PLAIN" "$P_SIGNED"; do python3 "$HERE/sticky_clients.py" "$port" 50; done
callgrind_control -z "$PROXY" >/dev/null
for entry in "sticky_cookie $P_PLAIN" "sticky_signed $P_SIGNED"; do
  read -r scen port <<<"$entry"
  python3 "$HERE/sticky_clients.py" "$port" "$N"
  callgrind_control -d "$scen" "$PROXY" >/dev/null
done
kill -TERM "$PROXY"; wait "$PROXY" 2>/dev/null || true
for f in "$TMP"/callgrind.out.*; do
  awk -v n="$N" '/^desc: Trigger: dump / { scen = $4 } /^totals:/ { total = $2 }
    END { if (scen != "") printf "%-14s %8.0f instructions/request\n", scen, total / n }' "$f"
done | sort
