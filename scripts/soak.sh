#!/usr/bin/env bash
# Soak: at least 5 million requests through switchyard with jvm_route (JSESSIONID cookies with routes), gzip
# and proxy_cache, reloaded (SIGHUP) every few seconds, against a two-port nginx origin on 127.0.0.1.
# Reports RSS and open descriptors at the start (after a warm-up) and at the end, reloads, and errors (wrk's
# socket errors and non-2xx answers). Pass: 0 failed requests, flat RSS, no descriptor growth, proxy alive.
#
# Usage: scripts/soak.sh            (after `make release`; `make soak` does both)
# Knobs (environment): SOAK_REQUESTS=5000000 SOAK_CONNECTIONS=50 SOAK_SEGMENT=30 (seconds per wrk run)
#   SOAK_RELOAD_EVERY=3 (seconds) SOAK_KEEPALIVE_REQUESTS=1000 (nginx's default) SOAK_RSS_SLACK=5 (percent)
#   SOAK_MAX_MINUTES=60 (bound) SOAK_KEEP=1 (keep the temp dir) SWITCHYARD=path NGINX=path
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/soak/lib.sh"
SWITCHYARD=${SWITCHYARD:-$ROOT/.build/release/switchyard}
REQUESTS=${SOAK_REQUESTS:-5000000}
CONNS=${SOAK_CONNECTIONS:-50}
SEGMENT=${SOAK_SEGMENT:-30}
RELOAD_EVERY=${SOAK_RELOAD_EVERY:-3}
KEEPALIVE_REQUESTS=${SOAK_KEEPALIVE_REQUESTS:-1000}
RSS_SLACK=${SOAK_RSS_SLACK:-5}
MAX_MINUTES=${SOAK_MAX_MINUTES:-60}
ACCESS_LOG=off

need_tools soak "$SWITCHYARD" "$NGINX" wrk python3 curl
run_dir soak "${SOAK_KEEP:-0}"

read_ports
start_backend "$TMP/backend"
render_proxy "$TMP/proxy"
"$SWITCHYARD" -p "$TMP/proxy" -c "$TMP/proxy/proxy.conf" -g "daemon off;" >"$TMP/proxy/output.log" 2>&1 &
PROXY=$!; STARTED[$PROXY]=switchyard
wait_port "$PORT" || { tail "$TMP/proxy/output.log" "$TMP/proxy/error.log" >&2; exit 1; }
URL=http://127.0.0.1:$PORT

# The config does what it says: a routed cookie reaches its node, the cache answers, gzip applies.
node=$(curl -s -o /dev/null -D - -H "Cookie: JSESSIONID=AB.tomcat2" "$URL/1k.bin" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-node" { print $2 }')
[ "$node" = tomcat2 ] || { echo "soak: jvm_route did not route to tomcat2 (got '$node')" >&2; exit 1; }
curl -s -o /dev/null "$URL/cached/1k.bin?k=check"
cache=$(curl -s -o /dev/null -D - "$URL/cached/1k.bin?k=check" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache-status" { print $2 }')
[ "$cache" = HIT ] || { echo "soak: the cache did not answer HIT (got '$cache')" >&2; exit 1; }
enc=$(curl -s -o /dev/null -D - -H "Accept-Encoding: gzip" "$URL/10k.txt" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
[ "$enc" = gzip ] || { echo "soak: gzip did not apply (got '$enc')" >&2; exit 1; }

run_wrk() { # SECONDS OUT
  timeout $(($1 + 30)) wrk -t2 -c"$CONNS" -d"$1s" -s "$HERE/requests.lua" "$URL" >"$2" 2>&1 || true
}

total=0; errors=0; non2xx=0
run_wrk 5 "$TMP/wrk-warmup.txt"
read -r r e b <<<"$(wrk_counts "$TMP/wrk-warmup.txt")"
total=$((total + r)); errors=$((errors + e)); non2xx=$((non2xx + b))
sleep 1
RSS0=$(rss_kib "$PROXY"); FD0=$(fd_count "$PROXY")
echo "soak: warm-up $r requests; RSS ${RSS0} KiB, ${FD0} descriptors; target $REQUESTS requests, $CONNS connections, SIGHUP every ${RELOAD_EVERY}s, keepalive_requests $KEEPALIVE_REQUESTS"

# The reloader: SIGHUP every few seconds while the proxy lives, bounded by the soak's own time limit.
( end=$((SECONDS + MAX_MINUTES * 60)); while [ $SECONDS -lt $end ] && kill -0 "$PROXY" 2>/dev/null; do
    sleep "$RELOAD_EVERY"; kill -HUP "$PROXY" 2>/dev/null || break; done ) &
RELOADER=$!; STARTED[$RELOADER]=reloader

started=$SECONDS; n=0; RSS_WARM=
while [ "$total" -lt "$REQUESTS" ] && [ $((SECONDS - started)) -lt $((MAX_MINUTES * 60)) ] && kill -0 "$PROXY" 2>/dev/null; do
  n=$((n + 1))
  run_wrk "$SEGMENT" "$TMP/wrk-$n.txt"
  read -r r e b <<<"$(wrk_counts "$TMP/wrk-$n.txt")"
  total=$((total + r)); errors=$((errors + e)); non2xx=$((non2xx + b))
  printf 'soak: run %3d  %8d req (%6d/s)  errors %d  non-2xx %d  | total %9d  RSS %6d KiB  fds %d\n' \
    "$n" "$r" $((r / SEGMENT)) "$e" "$b" "$total" "$(rss_kib "$PROXY")" "$(fd_count "$PROXY")"
  [ "$e" = 0 ] || grep -E "Socket errors" "$TMP/wrk-$n.txt" | sed 's/^/soak:   /'
  if [ -z "$RSS_WARM" ] && [ "$total" -ge $((REQUESTS / 10)) ]; then
    RSS_WARM=$(rss_kib "$PROXY"); echo "soak: RSS after 10% of the requests: $RSS_WARM KiB (the flatness baseline)"
  fi
done
RSS_WARM=${RSS_WARM:-$RSS0}
stop_pid "$RELOADER"
elapsed=$((SECONDS - started))
sleep 1
alive=1; kill -0 "$PROXY" 2>/dev/null || alive=0
RSS1=$(rss_kib "$PROXY"); FD1=$(fd_count "$PROXY")
reloads=$(grep -c "reconfigured in" "$TMP/proxy/error.log" || true)
failed_reloads=$(grep -c "reload failed" "$TMP/proxy/error.log" || true)
alerts=$(grep -cE "\[(alert|crit|emerg)\]" "$TMP/proxy/error.log" || true)

echo "soak: $total requests in ${elapsed}s ($((total / (elapsed > 0 ? elapsed : 1)))/s), $reloads reloads ($failed_reloads failed)"
echo "soak: errors: $errors socket errors, $non2xx non-2xx answers; error.log: $alerts alert/crit/emerg lines"
echo "soak: RSS ${RSS0} KiB after the warm-up, ${RSS_WARM} KiB after 10%, ${RSS1} KiB at the end; descriptors ${FD0} -> ${FD1}; proxy alive: $alive"

fail=()
[ "$alive" = 1 ] || fail+=("the proxy died")
[ "$total" -ge "$REQUESTS" ] || fail+=("only $total of $REQUESTS requests ran")
[ "$errors" = 0 ] || fail+=("$errors socket errors")
[ "$non2xx" = 0 ] || fail+=("$non2xx non-2xx answers")
[ "$alerts" = 0 ] || fail+=("$alerts alert/crit/emerg lines in error.log")
[ "$failed_reloads" = 0 ] || fail+=("$failed_reloads failed reloads")
[ "$RSS1" -le $((RSS_WARM + RSS_WARM * RSS_SLACK / 100)) ] || fail+=("RSS grew by more than ${RSS_SLACK}% after the first 10%")
[ "$FD1" -le $((FD0 + 16)) ] || fail+=("descriptors grew from $FD0 to $FD1")
if [ ${#fail[@]} -gt 0 ]; then
  printf 'soak: FAIL: %s\n' "${fail[@]}"
  exit 1
fi
echo "soak: PASS"
