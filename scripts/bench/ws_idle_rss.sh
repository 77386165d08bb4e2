#!/usr/bin/env bash
# RSS per idle WebSocket tunnel: VmRSS of one proxy (switchyard or nginx, the same config) before and after
# 1,000 tunnels are opened and left idle, divided by 1,000; then every tunnel must still echo.
# Usage: scripts/bench/ws_idle_rss.sh BINARY [TUNNELS]   (needs python3-websockets: scripts/setup.sh bench)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$1; N=${2:-1000}
PY=/usr/bin/python3; WS=$ROOT/Tests/WebSocketScripts
D=$(mktemp -d /tmp/switchyard-ws-rss.XXXXXX); mkdir -p "$D/logs" "$D/conf"; chmod 755 "$D"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$D"; }
trap cleanup EXIT
read -r BP PP <<<"$(python3 "$ROOT/scripts/bench/free_ports.py" 2)"
cat >"$D/conf/nginx.conf" <<CONF
master_process off; worker_processes 1; worker_rlimit_nofile 8192; daemon off;
pid $D/logs/proxy.pid; error_log $D/logs/error.log error;
events { worker_connections 4096; }
http {
    access_log off;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    server {
        listen 127.0.0.1:$PP;
        location / {
            proxy_pass http://127.0.0.1:$BP; proxy_http_version 1.1; proxy_read_timeout 300s;
            proxy_set_header Upgrade \$http_upgrade; proxy_set_header Connection \$connection_upgrade;
        }
    }
}
CONF
"$PY" "$WS/ws_server.py" "$BP" node >"$D/server.log" 2>&1 & PIDS+=($!)
"$BIN" -p "$D" -c "$D/conf/nginx.conf" >"$D/proxy.log" 2>&1 & PX=$!; PIDS+=($PX)
for _ in $(seq 200); do
  grep -q ready "$D/server.log" && (exec 3<>"/dev/tcp/127.0.0.1/$PP") 2>/dev/null && break; sleep 0.05
done
"$PY" "$WS/ws_client.py" "ws://127.0.0.1:$PP/" echo >/dev/null   # warm-up: first buffers, thread stacks
before=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$PX/status")
"$PY" "$WS/ws_client.py" "ws://127.0.0.1:$PP/" hold "$N" "$D/go" >"$D/hold.log" 2>&1 & H=$!; PIDS+=($H)
for _ in $(seq 1200); do grep -q '^open' "$D/hold.log" && break; kill -0 "$H" 2>/dev/null || break; sleep 0.1; done
after=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$PX/status")
touch "$D/go"; wait "$H" || true
echo "$(basename "$BIN"): VmRSS $before -> $after KiB with $N idle tunnels:" \
     "$(awk -v a="$after" -v b="$before" -v n="$N" 'BEGIN { printf "%.2f", (a - b) / n }') KiB per tunnel;" \
     "$(tr '\n' ' ' <"$D/hold.log")"
