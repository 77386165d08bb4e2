#!/usr/bin/env bash
# What `sticky learn` costs per request, without and with `share=memcached://` (issue 19, part 3), in user-space
# instructions under callgrind, the way bench.sh measures sticky routing: one switchyard under callgrind serves
# two keep-alive clients taking turns (two_clients.py: JSESSIONID=ABC.tomcat1 and ABC.tomcat2), each session
# learnt beforehand, so every pick is a local-table hit; the counters are zeroed before and dumped after each
# scenario.
#
# Usage: scripts/bench/sticky_learn.sh [N]   (N requests per scenario, default 2000; after `swift build -c release`)
# Knobs: SWITCHYARD=path NGINX=path MEMCACHED=path SCENARIOS="learn learn_shared" (a build without `share=`:
# SCENARIOS=learn). Everything listens on 127.0.0.1; every process started is stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/scripts/bench
SWITCHYARD=${SWITCHYARD:-$ROOT/.build/release/switchyard}
NGINX=${NGINX:-/usr/sbin/nginx}
MEMCACHED=${MEMCACHED:-$(command -v memcached || echo /usr/bin/memcached)}
SCENARIOS=${SCENARIOS:-learn learn_shared}
N=${1:-2000}
. "$HERE/scratch.sh"
bench_scratch sticky_learn "$SWITCHYARD" "$NGINX" "$MEMCACHED" valgrind callgrind_control objcopy python3

read -r B1 B2 M1 P_LEARN P_SHARED <<<"$(python3 "$HERE/free_ports.py" 5)"
mkdir -p "$TMP/proxy"
user=(); [ "$(id -u)" = 0 ] && user=(-u nobody)
"$MEMCACHED" -l 127.0.0.1 -p "$M1" -U 0 -m 16 "${user[@]}" >/dev/null 2>&1 &
PIDS+=($!)
body=$(head -c 1024 /dev/zero | tr '\0' 'x')
cat >"$TMP/backend.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/backend.pid;
error_log $TMP/backend-error.log error;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {
        listen 127.0.0.1:$B1;
        listen 127.0.0.1:$B2;
        location = /learn1 { add_header Set-Cookie "JSESSIONID=ABC.tomcat1; Path=/"; return 200 "learnt\n"; }
        location = /learn2 { add_header Set-Cookie "JSESSIONID=ABC.tomcat2; Path=/"; return 200 "learnt\n"; }
        location / { return 200 "$body"; }
    }
}
CONF
"$NGINX" -p "$TMP" -c "$TMP/backend.conf" >/dev/null 2>&1 &
PIDS+=($!)

learn="sticky learn create=\$upstream_cookie_JSESSIONID lookup=\$cookie_JSESSIONID zone=z:1m"
shared_block=""
if [[ " $SCENARIOS " == *" learn_shared "* ]]; then
  shared_block="upstream shared { server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 32; $learn share=memcached://127.0.0.1:$M1; }
    server { listen 127.0.0.1:$P_SHARED; location / { proxy_pass http://shared; } }"
fi
{ proxy_conf_head "$TMP/proxy"; cat <<CONF; } >"$TMP/proxy/proxy.conf"
    upstream plain { server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 32; $learn; }
    server { listen 127.0.0.1:$P_LEARN; location / { proxy_pass http://plain; } }
    $shared_block
}
CONF
for port in "$B1" "$M1"; do
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done
objcopy --strip-debug "$SWITCHYARD" "$TMP/switchyard-nodebug"
valgrind --tool=callgrind --callgrind-out-file="$TMP/callgrind.out" "$TMP/switchyard-nodebug" \
  -p "$TMP/proxy" -c "$TMP/proxy/proxy.conf" -g "daemon off;" >"$TMP/callgrind.log" 2>&1 &
PROXY=$!; PIDS+=($PROXY)
for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$P_LEARN") 2>/dev/null && break; sleep 0.1; done

# Learn both sessions in each scenario, warm up, then zero, run, dump per scenario.
port_of() { if [ "$1" = learn ]; then echo "$P_LEARN"; else echo "$P_SHARED"; fi; }
for scen in $SCENARIOS; do
  port=$(port_of "$scen")
  for path in /learn1 /learn2; do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
  python3 "$HERE/two_clients.py" "$port" 50 /x
done
callgrind_control -z "$PROXY" >/dev/null
for scen in $SCENARIOS; do
  python3 "$HERE/two_clients.py" "$(port_of "$scen")" "$N" /x
  callgrind_control -d "$scen" "$PROXY" >/dev/null
done
kill -TERM "$PROXY"; wait "$PROXY" 2>/dev/null || true
for f in "$TMP"/callgrind.out.*; do
  awk -v n="$N" '/^desc: Trigger: dump / { scen = $4 } /^totals:/ { total = $2 }
    END { if (scen != "") printf "%-14s %8.0f instructions/request\n", scen, total / n }' "$f"
done | sort
