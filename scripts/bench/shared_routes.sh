#!/usr/bin/env bash
# Learned routes shared through memcached (issue 19, part 3): agreement between two instances and the latency a
# memcached lookup adds to a request, on loopback.
#
# Two memcached nodes, one nginx backend on two ports (a new session gets `Set-Cookie: SID=$request_id`), and two
# switchyards A and B with the same `sticky learn … share=memcached://…` upstream. shared_routes.py creates N
# sessions through A, then sends each through B twice: the first request finds the session in memcached (B's
# local table is empty), the second in B's own table. It prints the agreement rate (B routes a session to the
# node A learnt) and p50/p99 of both, whose difference is what the memcached lookup adds.
#
# Usage: scripts/bench/shared_routes.sh [N]   (N sessions, default 10000; after `swift build -c release`)
# Knobs: SWITCHYARD=path NGINX=path MEMCACHED=path. Everything listens on 127.0.0.1; every process started is
# stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/scripts/bench
SWITCHYARD=${SWITCHYARD:-$ROOT/.build/release/switchyard}
NGINX=${NGINX:-/usr/sbin/nginx}
MEMCACHED=${MEMCACHED:-$(command -v memcached || echo /usr/bin/memcached)}
N=${1:-10000}
. "$HERE/scratch.sh"
bench_scratch shared_routes "$SWITCHYARD" "$NGINX" "$MEMCACHED" python3

read -r B1 B2 M1 M2 PA PB <<<"$(python3 "$HERE/free_ports.py" 6)"
user=(); [ "$(id -u)" = 0 ] && user=(-u nobody)
for port in "$M1" "$M2"; do
  "$MEMCACHED" -l 127.0.0.1 -p "$port" -U 0 -m 64 "${user[@]}" >/dev/null 2>&1 &
  PIDS+=($!)
done

cat >"$TMP/backend.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/backend.pid;
error_log $TMP/backend-error.log error;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    # A request without a session gets a new one, like an app server.
    map \$cookie_SID \$new_session { "" "SID=\$request_id; Path=/"; default ""; }
    server { listen 127.0.0.1:$B1; add_header Set-Cookie \$new_session; location / { return 200 "node1\n"; } }
    server { listen 127.0.0.1:$B2; add_header Set-Cookie \$new_session; location / { return 200 "node2\n"; } }
}
CONF
"$NGINX" -p "$TMP" -c "$TMP/backend.conf" >/dev/null 2>&1 &
PIDS+=($!)

for name in a b; do
  port=$PA; [ "$name" = b ] && port=$PB
  mkdir -p "$TMP/$name/logs"
  { proxy_conf_head "$TMP/$name" notice; cat <<CONF; } >"$TMP/$name/proxy.conf"
    upstream app {
        server 127.0.0.1:$B1;
        server 127.0.0.1:$B2;
        keepalive 32;
        sticky learn create=\$upstream_cookie_SID lookup=\$cookie_SID zone=sessions:8m timeout=1h
                     share=memcached://127.0.0.1:$M1,127.0.0.1:$M2;
    }
    server { listen 127.0.0.1:$port; location / { proxy_pass http://app; } }
}
CONF
  "$SWITCHYARD" -p "$TMP/$name" -c "$TMP/$name/proxy.conf" -g "daemon off;" >"$TMP/$name/stderr.log" 2>&1 &
  PIDS+=($!)
done
for port in "$B1" "$B2" "$M1" "$M2" "$PA" "$PB"; do
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done

python3 "$HERE/shared_routes.py" "$PA" "$PB" "$M1" "$N"
for name in a b; do
  if grep -q "unreachable" "$TMP/$name/error.log"; then echo "shared_routes: $name logged:"; cat "$TMP/$name/error.log"; fi
done
