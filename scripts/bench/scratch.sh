# Sourced by the single-purpose bench scripts (sticky_sign.sh, sticky_learn.sh, shared_routes.sh, metrics_scrape.sh):
# the tools they need, a scratch directory, every process they start stopped by its PID on exit, and the start of
# the switchyard configuration they all write.
#
#   . "$HERE/scratch.sh"
#   bench_scratch sticky_sign "$SWITCHYARD" "$NGINX" python3   # sets TMP and PIDS; exits if a tool is missing
#   some_server & PIDS+=($!)
#
# KEEP=1 keeps the scratch directory.
bench_scratch() {
  local tool
  BENCH_NAME=$1; shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$BENCH_NAME: missing $tool" >&2; exit 1; }
  done
  TMP=$(mktemp -d "/tmp/switchyard-${BENCH_NAME//_/-}.XXXXXX")
  chmod 755 "$TMP"
  PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "$BENCH_NAME: kept $TMP"; else rm -rf "$TMP"; fi
}

# proxy_conf_head DIR [ERROR_LEVEL]: one worker, pid and error log in DIR, as root `user root;` (callgrind_control
# must reach the process), and the http block opened with keep-alive to clients and upstreams; the caller writes
# its upstreams and servers, then the closing brace.
proxy_conf_head() {
  cat <<CONF
master_process off;
worker_processes 1;
pid $1/proxy.pid;
error_log $1/error.log ${2:-error};
$([ "$(id -u)" = 0 ] && echo "user root;")
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
CONF
}

# static_backends B1 B2: nginx serving $TMP/www/1k.bin (random bytes) on the two ports (backend.conf.in), stopped
# with the rest.
static_backends() {
  mkdir -p "$TMP/www"
  head -c 1024 /dev/urandom >"$TMP/www/1k.bin"
  sed -e "s|@DIR@|$TMP|g; s|@NOFILE@|1024|g; s|@B1@|$1|g; s|@B2@|$2|g" "$HERE/backend.conf.in" >"$TMP/backend.conf"
  "$NGINX" -p "$TMP" -c "$TMP/backend.conf" >/dev/null 2>&1 &
  PIDS+=($!)
}
