#!/usr/bin/env bash
# What operating switchyard live costs the requests it proxies (issue 18's measure): user-space instructions per
# proxied request with and without `metrics`, `api`, `zone` and `health_check` (every second, so the probes'
# own work falls in the count) configured, and per scrape of /metrics and per GET
# of the API's upstream list, under callgrind. From those, the share of a worker's instructions that Prometheus
# scraping 10 times a second takes at a given request rate (RATE, default 20000 req/s, about one worker's rr50 on
# this machine): 10 × scrape / (RATE × request).
#
# Usage: scripts/bench/metrics_scrape.sh [N]   (N proxied requests per scenario, default 2000; after
# `swift build -c release`). Knobs: SWITCHYARD=path NGINX=path RATE=req/s SCRAPES=n. Everything listens on
# 127.0.0.1; every process started is stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/scripts/bench
SWITCHYARD=${SWITCHYARD:-$ROOT/.build/release/switchyard}
NGINX=${NGINX:-/usr/sbin/nginx}
N=${1:-2000}
RATE=${RATE:-20000}
SCRAPES=${SCRAPES:-200}
. "$HERE/scratch.sh"
bench_scratch metrics_scrape "$SWITCHYARD" "$NGINX" valgrind callgrind_control objcopy python3

read -r B1 B2 P_PLAIN P_OPS <<<"$(python3 "$HERE/free_ports.py" 4)"
mkdir -p "$TMP/proxy"
static_backends "$B1" "$B2"

{ proxy_conf_head "$TMP/proxy"; cat <<CONF; } >"$TMP/proxy/proxy.conf"
    upstream plain { server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 32; }
    upstream ops   { zone ops 64k; server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 32; }
    server { listen 127.0.0.1:$P_PLAIN; location / { proxy_pass http://plain; } }
    server {
        listen 127.0.0.1:$P_OPS;
        location / { proxy_pass http://ops; health_check interval=1s uri=/1k.bin; }
        location /metrics { metrics; allow 127.0.0.1; deny all; }
        location /api { api write=on; allow 127.0.0.1; deny all; }
    }
}
CONF
objcopy --strip-debug "$SWITCHYARD" "$TMP/switchyard-nodebug"
valgrind --tool=callgrind --callgrind-out-file="$TMP/callgrind.out" "$TMP/switchyard-nodebug" \
  -p "$TMP/proxy" -c "$TMP/proxy/proxy.conf" -g "daemon off;" >"$TMP/callgrind.log" 2>&1 &
PROXY=$!; PIDS+=($PROXY)
for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$P_OPS") 2>/dev/null && break; sleep 0.1; done

# scrape PORT PATH N: N GETs on one keep-alive connection, as Prometheus scrapes.
scrape() {
  python3 - "$1" "$2" "$3" <<'PY'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for _ in range(n):
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    if r.status != 200 or not body:
        sys.exit(f"metrics_scrape: {path} answered {r.status}")
PY
}

for port in "$P_PLAIN" "$P_OPS"; do python3 "$HERE/two_clients.py" "$port" 50 /1k.bin; done
scrape "$P_OPS" /metrics 10; scrape "$P_OPS" /api/9/http/upstreams 10
callgrind_control -z "$PROXY" >/dev/null
for entry in "plain $P_PLAIN $N" "ops $P_OPS $N"; do
  read -r scen port n <<<"$entry"
  python3 "$HERE/two_clients.py" "$port" "$n" /1k.bin
  callgrind_control -d "$scen" "$PROXY" >/dev/null
done
scrape "$P_OPS" /metrics "$SCRAPES"; callgrind_control -d metrics "$PROXY" >/dev/null
scrape "$P_OPS" /api/9/http/upstreams "$SCRAPES"; callgrind_control -d api "$PROXY" >/dev/null
kill -TERM "$PROXY"; wait "$PROXY" 2>/dev/null || true

for f in "$TMP"/callgrind.out.*; do
  awk '/^desc: Trigger: dump / { scen = $4 } /^totals:/ { total = $2 } END { if (scen != "") print scen, total }' "$f"
done | awk -v n="$N" -v s="$SCRAPES" -v rate="$RATE" '
  { total[$1] = $2 }
  END {
    plain = total["plain"] / n; ops = total["ops"] / n; m = total["metrics"] / s; a = total["api"] / s
    printf "proxied request, plain upstream:                 %9.0f instructions\n", plain
    printf "proxied request, zone + metrics + api + health:  %9.0f instructions (%+.1f%%)\n", ops, (ops / plain - 1) * 100
    printf "one /metrics scrape:                             %9.0f instructions\n", m
    printf "one GET /api/9/http/upstreams:                   %9.0f instructions\n", a
    printf "10 scrapes a second at %d req/s: %.3f%% of the worker'"'"'s instructions (target < 1%%)\n", rate, 10 * m / (rate * ops) * 100
  }'
