#!/usr/bin/env bash
# switchyard vs nginx as reverse proxies, given the very same config file (scripts/bench/proxy.conf.in).
#
# One backend nginx (two ports = two upstream servers) serves the files; each proxy under test is started fresh
# for every measured run, on the same ports, so runs are independent and VmHWM (peak RSS) is per scenario.
# Scenarios run interleaved over BENCH_ROUNDS rounds (switchyard and nginx alternate who goes first); the
# summary reports the median req/s and latency per scenario and proxy, and prints
#   ratio SCENARIO switchyard/nginx=X.XX
# Everything listens on 127.0.0.1, in a temp dir under /tmp; every process started is stopped by its PID.
#
# Usage: scripts/bench.sh            (after `make release`; `make bench` does both)
# Knobs (environment): BENCH_ROUNDS=3 BENCH_DURATION=5 (seconds per measured run) BENCH_WARMUP=1
#   BENCH_IDLE_CONNS=10000 BENCH_PROFILE=1 (perf profile of switchyard at 50 connections)
#   BENCH_PIN=1 (pin the proxy under test to the last CPU, the load generator and backend to the others)
#   BENCH_CALLGRIND=1 (count switchyard's user-space instructions per request under callgrind)
#   BENCH_CALLGRIND_REQUESTS=2000
#   BENCH_TLS_CLIENTS=4 (parallel `openssl s_time` clients in the handshake scenarios) BENCH_TLS_IDLE_CONNS=2000
#   BENCH_UPSTREAM_KEEPALIVE=32 (`keepalive N` of every upstream block in both proxies' config)
#   BENCH_ONLY=rr50,gzip1 (run only these scenarios; config_load is `-t` of a 5,000-server file) BENCH_KEEP=1 (keep the temp dir) BENCH_WRITE_DOC=1 (rewrite the generated blocks of BENCHMARKS.md) SWITCHYARD=path NGINX=path
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts/bench
SWITCHYARD=${SWITCHYARD:-$ROOT/.build/release/switchyard}
NGINX=${NGINX:-/usr/sbin/nginx}
HAPROXY=${HAPROXY-$(command -v haproxy || true)}   # HAPROXY= (empty) skips the HAProxy rows
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-1}
# Idle upstream connections each proxy keeps (`keepalive N` in every upstream block). At 32, below the 50 and
# 1,000 clients of the rr scenarios, nginx closes connections one burst frees and opens new ones for the next
# (0.14 to 0.5 a request; switchyard keeps them a trim period, README's differences); at 64 neither opens any in
# rr50 (BENCHMARKS.md, 2026-12-06).
KEEPALIVE=${BENCH_UPSTREAM_KEEPALIVE:-32}
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
PROFILE=${BENCH_PROFILE:-1}
PIN=${BENCH_PIN:-1}
CALLGRIND=${BENCH_CALLGRIND:-1}
CALLGRIND_REQUESTS=${BENCH_CALLGRIND_REQUESTS:-2000}
WRITE_DOC=${BENCH_WRITE_DOC:-0}
ONLY=${BENCH_ONLY:-}
TLS_CLIENTS=${BENCH_TLS_CLIENTS:-4}
TLS_IDLE_CONNS=${BENCH_TLS_IDLE_CONNS:-2000}
JVM_COOKIE="Cookie: JSESSIONID=ABC.tomcat1"

for tool in "$SWITCHYARD" "$NGINX" wrk python3 curl openssl; do
  command -v "$tool" >/dev/null || { echo "bench: missing $tool (run: make bench)" >&2; exit 1; }
done

# 10,000 idle clients plus the proxy's own sockets: raise the descriptor limit as far as we may.
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
if [ "$NOFILE" -lt $((IDLE_CONNS + 200)) ]; then
  IDLE_CONNS=$((NOFILE - 200))
  echo "bench: ulimit -n is $NOFILE; idle connections lowered to $IDLE_CONNS" >&2
fi

TMP=$(mktemp -d /tmp/switchyard-bench.XXXXXX)
chmod 755 "$TMP"   # started as root, switchyard serves as nobody (as nginx's workers): its files must be reachable
RESULTS=$TMP/results
mkdir -p "$RESULTS"

# ---- processes: every PID we start is recorded and stopped on exit -------------------------------
declare -A STARTED=()
stop_pid() {
  local pid=$1 i
  [ -n "${STARTED[$pid]:-}" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "STARTED[$pid]"
}
cleanup() {
  local pid
  for pid in "${!STARTED[@]}"; do stop_pid "$pid"; done
  # Keep only the results (small); the prefixes, caches and perf data go (unless BENCH_KEEP=1).
  for kind in switchyard nginx; do
    if [ -f "$TMP/$kind/error.log" ]; then cp "$TMP/$kind/error.log" "$RESULTS/$kind-error.log"; fi
  done
  [ "${BENCH_KEEP:-0}" = 1 ] || find "$TMP" -mindepth 1 -maxdepth 1 ! -name results -exec rm -rf {} + 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NCPU=$(nproc)
# Pin with arrays, not shell functions: `func &` would make $! a subshell's PID, not the server's.
if [ "$PIN" = 1 ] && [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
  PROXY_CPUS=$((NCPU - 1)); LOAD_CPUS=0-$((NCPU - 2))
  ON_PROXY_CPU=(taskset -c "$PROXY_CPUS"); ON_LOAD_CPU=(taskset -c "$LOAD_CPUS")
else
  PIN=0; PROXY_CPUS=all; LOAD_CPUS=all
  ON_PROXY_CPU=(env); ON_LOAD_CPU=(env)
fi

wait_port() { # PORT: bounded wait until something accepts on it
  local i
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listens on 127.0.0.1:$1" >&2; return 1
}

read -r B1 B2 P_RR P_IPHASH P_GZIP1 P_GZIP9 P_CACHE P_JVM P_HAPROXY B_WS P_WS P_HAPROXY_RR P_TLS_EC P_TLS_RSA P_FRONT \
  P_CACHE_GZIP P_LOCAL P_OPS <<<"$(python3 "$HERE/free_ports.py" 18)"

# TLS scenarios' certificates (self-signed): ECDSA P-256 and RSA 2048, readable by the proxies' user.
TLS_DIR=$TMP/tls
mkdir -p "$TLS_DIR"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$TLS_DIR/ec.key" \
  -out "$TLS_DIR/ec.crt" -days 2 -subj /CN=bench-ec 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR/rsa.key" -out "$TLS_DIR/rsa.crt" -days 2 \
  -subj /CN=bench-rsa 2>/dev/null
chmod 755 "$TLS_DIR"; chmod 644 "$TLS_DIR"/*

render() { # TEMPLATE PREFIX > file
  sed -e "s|@DIR@|$2|g; s|@PREFIX@|$2|g; s|@NOFILE@|$NOFILE|g; s|@B1@|$B1|g; s|@B2@|$B2|g" \
      -e "s|@P_RR@|$P_RR|g; s|@P_IPHASH@|$P_IPHASH|g; s|@P_GZIP1@|$P_GZIP1|g; s|@P_GZIP9@|$P_GZIP9|g" \
      -e "s|@P_CACHE@|$P_CACHE|g; s|@P_CACHE_GZIP@|$P_CACHE_GZIP|g; s|@P_JVM@|$P_JVM|g; s|@PORT@|$P_HAPROXY|g" \
      -e "s|@B_WS@|$B_WS|g; s|@P_WS@|$P_WS|g; s|@P_HAPROXY_RR@|$P_HAPROXY_RR|g" \
      -e "s|@TLS@|$TLS_DIR|g; s|@P_TLS_EC@|$P_TLS_EC|g; s|@P_TLS_RSA@|$P_TLS_RSA|g; s|@P_FRONT@|$P_FRONT|g" \
      -e "s|@P_LOCAL@|$P_LOCAL|g; s|@P_OPS@|$P_OPS|g; s|@WWW@|$TMP/backend/www|g; s|@KEEPALIVE@|$KEEPALIVE|g" "$1"
}

# ---- backend ------------------------------------------------------------------------------------
BACKEND=$TMP/backend
mkdir -p "$BACKEND/www" "$BACKEND/logs"
head -c 1024 /dev/urandom >"$BACKEND/www/1k.bin"
# 100 KiB of word-like text (deterministic), about as compressible as HTML.
python3 - "$BACKEND/www/100k.txt" <<'EOF'
import random, sys
rng = random.Random(7)
words = ["session", "tomcat", "route", "proxy", "upstream", "balancer", "cookie", "request", "response",
         "header", "keepalive", "worker", "switchyard", "nginx", "location", "server", "the", "a", "of",
         "to", "and", "in", "is", "for", "on", "with", "<div>", "</div>", "<p>", "</p>", "class=\"row\""]
out = []
size = 0
while size < 100 * 1024:
    line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + f" {rng.randint(0, 99999)}\n"
    out.append(line); size += len(line)
open(sys.argv[1], "w").write("".join(out)[:100 * 1024])
EOF
render "$HERE/backend.conf.in" "$BACKEND" >"$BACKEND/backend.conf"
"${ON_LOAD_CPU[@]}" "$NGINX" -p "$BACKEND" -c "$BACKEND/backend.conf" -e "$BACKEND/stderr.log" \
  >"$BACKEND/stdout.log" 2>&1 &
STARTED[$!]=backend
wait_port "$B1"; wait_port "$B2"
# The WebSocket scenarios' backend: a 101, then an echo of every byte (scripts/bench/ws_echo.py).
"${ON_LOAD_CPU[@]}" python3 "$HERE/ws_echo.py" "$B_WS" >"$BACKEND/ws_echo.log" 2>&1 &
STARTED[$!]=ws-backend
wait_port "$B_WS"

# ---- proxies under test -------------------------------------------------------------------------
PROXY_PID=
proxy_command() { # KIND PREFIX: the exact command line (the same flags for both)
  case $1 in
    switchyard) echo "$SWITCHYARD -p $2 -c $2/proxy.conf -g 'daemon off;'" ;;
    nginx) echo "$NGINX -p $2 -c $2/proxy.conf -g 'daemon off;'" ;;
  esac
}
render_proxy_conf() { # KIND [no-ops]: writes $TMP/KIND/proxy.conf (and the switchyard-only include; no-ops
  # leaves ops_rr50's server out)
  local kind=$1 prefix=$TMP/$1
  rm -rf "$prefix/cache"; mkdir -p "$prefix/logs" "$prefix/cache"
  render "$HERE/proxy.conf.in" "$prefix" >"$prefix/proxy.conf"
  if [ "$kind" = switchyard ]; then
    render "$HERE/only-switchyard.conf.in" "$prefix" |
      if [ "${2:-}" = no-ops ]; then sed '/^# ops_rr50 begin/,/^# ops_rr50 end/d'; else cat; fi >"$prefix/only-switchyard.conf"
  else
    : >"$prefix/only-switchyard.conf"
  fi
}
start_proxy() { # KIND
  local kind=$1 prefix=$TMP/$1
  LAST_START=(start_proxy "$kind")
  render_proxy_conf "$kind"
  local bin=$SWITCHYARD; [ "$kind" = nginx ] && bin=$NGINX
  if (exec 3<>"/dev/tcp/127.0.0.1/$P_RR") 2>/dev/null; then
    echo "bench: something still listens on :$P_RR before starting $kind" >&2; exit 1
  fi
  "${ON_PROXY_CPU[@]}" "$bin" -p "$prefix" -c "$prefix/proxy.conf" -g "daemon off;" >>"$RESULTS/$kind-output.log" 2>&1 &
  PROXY_PID=$!; STARTED[$PROXY_PID]=$kind
  if ! wait_port "$P_RR"; then
    echo "bench: $kind did not start; its output:" >&2
    tail -20 "$RESULTS/$kind-output.log" "$prefix/error.log" >&2 2>/dev/null
    exit 1
  fi
}
start_haproxy() { # LEVEL
  local prefix=$TMP/haproxy
  LAST_START=(start_haproxy "$1")
  mkdir -p "$prefix"
  render "$HERE/haproxy.cfg.in" "$prefix" | sed "s|@LEVEL@|$1|" >"$prefix/haproxy.cfg"
  "${ON_PROXY_CPU[@]}" "$HAPROXY" -db -f "$prefix/haproxy.cfg" >>"$RESULTS/haproxy-output.log" 2>&1 &
  PROXY_PID=$!; STARTED[$PROXY_PID]=haproxy
  wait_port "$P_HAPROXY"
}
stop_proxy() { stop_pid "$PROXY_PID"; PROXY_PID=; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || true; } # PID VmRSS|VmHWM
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime + stime
alive() { [ "$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null)" != Z ] && kill -0 "$1" 2>/dev/null; }

# ---- scenarios ----------------------------------------------------------------------------------
# name | connections | port variable | path | extra header
SCENARIOS=(
  "rr50|50|P_RR|/1k.bin|"
  "front_rr50|50|P_FRONT|/1k.bin|X-Forwarded-For: 192.0.2.1"
  "ops_rr50|50|P_OPS|/1k.bin|"
  "rr1000|1000|P_RR|/1k.bin|"
  "ip_hash|50|P_IPHASH|/1k.bin|"
  "rr_cookie|50|P_RR|/1k.bin|$JVM_COOKIE"
  "jvm_route|50|P_JVM|/1k.bin|$JVM_COOKIE"
  "gzip1|50|P_GZIP1|/100k.txt|Accept-Encoding: gzip"
  "gzip9|50|P_GZIP9|/100k.txt|Accept-Encoding: gzip"
  "cache_hit|50|P_CACHE|/1k.bin|"
  "cache_gzip1|50|P_CACHE_GZIP|/100k.txt|Accept-Encoding: gzip"
  "return200|50|P_LOCAL|/r|"
  "static1k|50|P_LOCAL|/1k.bin|"
  "ws1|1|P_WS|/ws|"
  "ws100|100|P_WS|/ws|"
  "tls_rr50|50|P_TLS_EC|/1k.bin|"
  "tls_new_ec|$TLS_CLIENTS|P_TLS_EC|/hs|"
  "tls_new_rsa|$TLS_CLIENTS|P_TLS_RSA|/hs|"
  "tls_resume|$TLS_CLIENTS|P_TLS_EC|/hs|"
)
ws_wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," =~ ,ws(1|100), ]]; }
tls_idle_wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *,tls_idle,* ]]; }

to_ms() { # wrk latency text (e.g. 812.00us, 1.20ms, 2.01s) -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

run_wrk() { # ROUND SCENARIO PROXY CONNECTIONS URL HEADER
  local round=$1 scen=$2 proxy=$3 conns=$4 url=$5 header=$6 threads=2 out crashes=0 hwm
  local hargs=(); [ -n "$header" ] && hargs=(-H "$header")
  out=$RESULTS/wrk-$scen-$proxy-$round.txt
  "${ON_LOAD_CPU[@]}" timeout $((WARMUP + 20)) wrk -t"$threads" -c"$conns" -d"${WARMUP}s" "${hargs[@]}" "$url" >/dev/null 2>&1 || true
  # Let the proxy finish with the warm-up's abandoned exchanges (wrk closes mid-response) before measuring.
  sleep 0.5
  if ! alive "$PROXY_PID"; then
    # A crash is a result too (counted, shown in the table); restart so the measured run still happens.
    crashes=$((crashes + 1)); report_death "$proxy" "$scen" "$round" "the warm-up"
    stop_proxy; "${LAST_START[@]}"; warm_cache "$scen"
  fi
  local ticks0 ticks1 t0 t1 cpu
  ticks0=$(cpu_ticks "$PROXY_PID"); t0=$(date +%s%N)
  "${ON_LOAD_CPU[@]}" timeout $((DURATION + 20)) wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency "${hargs[@]}" "$url" \
    >"$out" 2>&1 &
  local load=$! hwm_late
  STARTED[$load]=wrk
  # VmHWM just before the end too, in case the proxy dies when wrk hangs up.
  sleep "$(awk -v d="$DURATION" 'BEGIN { print (d > 1 ? d - 0.5 : d / 2) }')"
  hwm_late=$(status_kib "$PROXY_PID" VmHWM)
  wait "$load" || true
  unset "STARTED[$load]"
  ticks1=$(cpu_ticks "$PROXY_PID"); t1=$(date +%s%N)
  # The proxy's CPU use over the measured run, in % of one core: 100 means the proxy was the bottleneck.
  cpu=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", (b - a) / hz / (ns / 1e9) * 100 }')
  hwm=$(status_kib "$PROXY_PID" VmHWM); hwm=${hwm:-$hwm_late}
  if ! alive "$PROXY_PID"; then crashes=$((crashes + 1)); report_death "$proxy" "$scen" "$round" "the measured run"; fi
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(awk '$1 == "50%" { print $2 }' "$out")
  p99=$(awk '$1 == "99%" { print $2 }' "$out")
  errors=$(awk '/Socket errors:/ { gsub(/,/, ""); s += $4 + $6 + $8 + $10 } /Non-2xx/ { s += $5 } END { print s + 0 }' "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$scen" "$proxy" "${rps:-0}" "$(to_ms "${p50:-0}")" \
    "$(to_ms "${p99:-0}")" "${hwm:-0}" "$errors" "$crashes" "$cpu" >>"$RESULTS/runs.tsv"
  printf '  round %s %-9s %-10s %9s req/s  p50 %8s  p99 %8s  cpu %3s%%  hwm %6s KiB  errors %s  crashes %s\n' \
    "$round" "$scen" "$proxy" "${rps:-0}" "${p50:-?}" "${p99:-?}" "$cpu" "${hwm:-?}" "$errors" "$crashes"
}
report_death() { # PROXY SCENARIO ROUND WHEN
  sleep 0.3 # the Swift runtime's backtracer is still writing
  echo "  $1 DIED during $4 of $2 (round $3); its backtrace is in $RESULTS/$1-output.log:"
  grep -E '^Fatal error|Program crashed|Segmentation fault' "$RESULTS/$1-output.log" | tail -2 | sed 's/^/    /' || true
}

run_ws() { # ROUND SCENARIO PROXY TUNNELS PORT: WebSocket echoes through TUNNELS tunnels (scripts/bench/ws_load.py)
  local round=$1 scen=$2 proxy=$3 tunnels=$4 port=$5 out crashes=0 hwm ticks0 ticks1 t0 t1 cpu
  out=$RESULTS/ws-$scen-$proxy-$round.txt
  ticks0=$(cpu_ticks "$PROXY_PID"); t0=$(date +%s%N)
  "${ON_LOAD_CPU[@]}" timeout $((WARMUP + DURATION + 60)) python3 "$HERE/ws_load.py" "$port" "$tunnels" "$DURATION" "$WARMUP" \
    >"$out" 2>&1 || true
  ticks1=$(cpu_ticks "$PROXY_PID"); t1=$(date +%s%N)
  cpu=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", (b - a) / hz / (ns / 1e9) * 100 }')
  hwm=$(status_kib "$PROXY_PID" VmHWM)
  if ! alive "$PROXY_PID"; then crashes=$((crashes + 1)); report_death "$proxy" "$scen" "$round" "the measured run"; fi
  local rate p50 p99 errors
  read -r _ rate _ p50 _ p99 _ errors < <(grep '^rate ' "$out" || echo "rate 0 p50 0 p99 0 errors 1")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$scen" "$proxy" "$rate" "$p50" "$p99" "${hwm:-0}" \
    "$errors" "$crashes" "$cpu" >>"$RESULTS/runs.tsv"
  printf '  round %s %-9s %-10s %9s msg/s  p50 %6sms  p99 %6sms  cpu %3s%%  hwm %6s KiB  errors %s  crashes %s\n' \
    "$round" "$scen" "$proxy" "$rate" "$p50" "$p99" "$cpu" "${hwm:-?}" "$errors" "$crashes"
}

run_handshakes() { # ROUND SCENARIO PROXY CLIENTS PORT: TLS 1.3 connections per second, each a handshake and one request
  # CLIENTS `openssl s_time` processes at once, each connecting again and again for DURATION seconds and sending
  # `GET /hs` (answered by the proxy itself, `return 200`) on each connection: new sessions (-new), or resuming
  # the previous connection's session (-reuse; the ticket arrives with the response). The rate is the
  # connections all clients completed over the wall time; resumed counts the connections s_time marked `r`.
  local round=$1 scen=$2 proxy=$3 clients=$4 port=$5 mode=new out crashes=0 hwm ticks0 ticks1 t0 t1 cpu i p
  local pids=() total=0 resumed=0 errors=0 rate n
  [ "$scen" = tls_resume ] && mode=reuse
  out=$RESULTS/hs-$scen-$proxy-$round
  "${ON_LOAD_CPU[@]}" timeout $((WARMUP + 20)) openssl s_time -connect "127.0.0.1:$port" -"$mode" -time "$WARMUP" \
    -www /hs >/dev/null 2>&1 || true
  ticks0=$(cpu_ticks "$PROXY_PID"); t0=$(date +%s%N)
  for i in $(seq "$clients"); do
    "${ON_LOAD_CPU[@]}" timeout $((DURATION + 20)) openssl s_time -connect "127.0.0.1:$port" -"$mode" -time "$DURATION" \
      -www /hs >"$out-$i.txt" 2>&1 &
    pids+=($!); STARTED[$!]=s_time
  done
  for p in "${pids[@]}"; do wait "$p" || errors=$((errors + 1)); unset "STARTED[$p]"; done
  ticks1=$(cpu_ticks "$PROXY_PID"); t1=$(date +%s%N)
  cpu=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", (b - a) / hz / (ns / 1e9) * 100 }')
  hwm=$(status_kib "$PROXY_PID" VmHWM)
  if ! alive "$PROXY_PID"; then crashes=$((crashes + 1)); report_death "$proxy" "$scen" "$round" "the measured run"; fi
  for i in $(seq "$clients"); do
    # The timed phase's last "N connections in X.XXs" line; its progress line has one character per connection.
    n=$(awk '/ connections in [0-9.]+s;/ { n = $1 } END { print n + 0 }' "$out-$i.txt")
    total=$((total + n))
    resumed=$((resumed + $(awk '/^[rt3*]+$/ { line = $0 } END { print gsub(/r/, "", line) }' "$out-$i.txt")))
  done
  rate=$(awk -v n="$total" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$scen" "$proxy" "$rate" 0 0 "${hwm:-0}" "$errors" \
    "$crashes" "$cpu" >>"$RESULTS/runs.tsv"
  printf '  round %s %-11s %-10s %7s conn/s  (%s connections, %s resumed)  cpu %3s%%  hwm %6s KiB  errors %s  crashes %s\n' \
    "$round" "$scen" "$proxy" "$rate" "$total" "$resumed" "$cpu" "${hwm:-?}" "$errors" "$crashes"
}

cache_hits() { # PORT: is the second fetch of /1k.bin a proxy_cache HIT?
  curl -s -o /dev/null "http://127.0.0.1:$1/1k.bin"
  curl -s -D - -o /dev/null "http://127.0.0.1:$1/1k.bin" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "x-cache-status" && $2 == "HIT" { hit = 1 } END { exit !hit }'
}

cache_gzip_hits() { # PORT: is the third gzip fetch of /100k.txt a compressed proxy_cache HIT? (MISS fills the entry,
  # the first HIT stores its gzip variant in switchyard; nginx compresses every HIT)
  local i
  for i in 1 2; do curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$1/100k.txt"; done
  curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$1/100k.txt" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "x-cache-status" && $2 == "HIT" { hit = 1 }
                tolower($1) == "content-encoding" && $2 == "gzip" { gz = 1 } END { exit !(hit && gz) }'
}

warm_cache() { # SCENARIO: the cache scenarios measure HITs: fill the entry first
  case "$1" in
    cache_hit) cache_hits "$P_CACHE" >/dev/null ;;
    cache_gzip1) cache_gzip_hits "$P_CACHE_GZIP" >/dev/null ;;
  esac
  return 0
}

backend_of() { # PORT [HEADER]: which backend port answered four requests in a row
  local i hargs=(); [ -n "${2:-}" ] && hargs=(-H "$2")
  for i in 1 2 3 4; do
    curl -s -D - -o /dev/null "${hargs[@]}" "http://127.0.0.1:$1/1k.bin" | tr -d '\r' |
      awk -F': ' 'tolower($1) == "x-backend-port" { printf "%s ", $2 }'
  done
}

gzip_size() { # PORT PROXY LEVEL: compressed body bytes of one response, and the Content-Encoding seen
  local headers=$TMP/gzip-headers size enc
  size=$(curl -s -H 'Accept-Encoding: gzip' -D "$headers" -o "$TMP/gzip-body" -w '%{size_download}' \
    "http://127.0.0.1:$1/100k.txt")
  enc=$(tr -d '\r' <"$headers" | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
  if [ "$enc" = gzip ] && ! gzip -t <"$TMP/gzip-body" 2>/dev/null; then enc="gzip(CORRUPT)"; fi
  printf '%s\t%s\t%s\t%s\n' "$2" "$3" "$size" "${enc:-identity}" >>"$RESULTS/gzip-sizes.tsv"
  echo "  gzip level $3 via $2: $size bytes per 100 KiB response (Content-Encoding: ${enc:-none})"
}

echo "bench: results in $RESULTS (pinning: proxy on CPU $PROXY_CPUS, wrk+backend on CPU $LOAD_CPUS)"
echo "bench: backend nginx on 127.0.0.1:$B1 and :$B2; proxies on :$P_RR (rr) :$P_IPHASH (ip_hash) :$P_JVM (jvm_route)" \
     ":$P_GZIP1/:$P_GZIP9 (gzip 1/9) :$P_CACHE (cache) :$P_CACHE_GZIP (cache + gzip 1)"

# ---- sanity: each proxy serves, the balancers route as designed, gzip sizes --------------------
SWITCHYARD_CACHE=yes
for proxy in switchyard nginx; do
  start_proxy "$proxy"
  echo "sanity $proxy: $(proxy_command "$proxy" "$TMP/$proxy")"
  echo "  round-robin backends: $(backend_of "$P_RR")"
  echo "  ip_hash backends:     $(backend_of "$P_IPHASH")"
  [ "$proxy" = switchyard ] && echo "  jvm_route backends:   $(backend_of "$P_JVM" "$JVM_COOKIE") (ABC.tomcat1 -> :$B1)"
  gzip_size "$P_GZIP1" "$proxy" 1; gzip_size "$P_GZIP9" "$proxy" 9
  echo "  https (TLS 1.3, ECDSA / RSA): $(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P_TLS_EC/1k.bin")" \
       "/ $(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P_TLS_RSA/1k.bin")"
  if cache_gzip_hits "$P_CACHE_GZIP"; then echo "  proxy_cache + gzip: third fetch is a compressed HIT"
  else echo "  proxy_cache + gzip: third fetch is NOT a compressed HIT"; fi
  if cache_hits "$P_CACHE"; then echo "  proxy_cache: second fetch is a HIT"
  else
    echo "  proxy_cache: second fetch is NOT a HIT"
    [ "$proxy" = nginx ] && { echo "bench: nginx's proxy_cache did not HIT" >&2; exit 1; }
    SWITCHYARD_CACHE=no
  fi
  stop_proxy
done
if [ -n "$HAPROXY" ]; then
  for level in 1 9; do start_haproxy "$level"; gzip_size "$P_HAPROXY" haproxy "$level"; stop_proxy; done
fi

# The WebSocket load client and backend alone (no proxy): the ceiling the ws rows can reach on this machine.
if ws_wanted; then
  for tunnels in 1 100; do
    line=$("${ON_LOAD_CPU[@]}" python3 "$HERE/ws_load.py" "$B_WS" "$tunnels" "$DURATION" "$WARMUP" 2>/dev/null || echo "rate 0")
    printf 'ws%s\t%s\n' "$tunnels" "$line" >>"$RESULTS/ws-direct.tsv"
    echo "  ws$tunnels direct (client + backend, no proxy): $line"
  done
fi

# ---- throughput rounds --------------------------------------------------------------------------
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS"
  order=(switchyard nginx); [ $((round % 2)) -eq 0 ] && order=(nginx switchyard)
  # rr_cookie and jvm_route (sticky routing's cost pair) swap places every other round, as the proxies do.
  scenarios=("${SCENARIOS[@]}")
  if [ $((round % 2)) -eq 0 ]; then
    for i in "${!scenarios[@]}"; do
      case "${scenarios[$i]}" in rr_cookie\|*) ci=$i ;; jvm_route\|*) ji=$i ;; esac
    done
    tmp=${scenarios[$ci]}; scenarios[$ci]=${scenarios[$ji]}; scenarios[$ji]=$tmp
  fi
  for entry in "${scenarios[@]}"; do
    IFS='|' read -r scen conns portvar path header <<<"$entry"
    [ -n "$ONLY" ] && [[ ",$ONLY," != *",$scen,"* ]] && continue
    for proxy in "${order[@]}"; do
      # nginx has no jvm_route; rr_cookie is switchyard's round-robin with jvm_route's cookie, run next to it
      # in each round, so the two differ only by sticky routing and share the machine's moment.
      # ops_rr50's metrics, api and health_check are not nginx's either.
      [ "$scen" = jvm_route ] || [ "$scen" = rr_cookie ] || [ "$scen" = ops_rr50 ] && [ "$proxy" = nginx ] && continue
      if [ "$scen" = cache_hit ] && [ "$proxy" = switchyard ] && [ "$SWITCHYARD_CACHE" = no ]; then continue; fi
      start_proxy "$proxy"
      warm_cache "$scen"
      if [ "${scen#ws}" != "$scen" ]; then
        run_ws "$round" "$scen" "$proxy" "$conns" "${!portvar}"
      elif [ "$scen" = tls_rr50 ]; then
        run_wrk "$round" "$scen" "$proxy" "$conns" "https://127.0.0.1:${!portvar}$path" "$header"
      elif [ "${scen#tls_}" != "$scen" ]; then
        run_handshakes "$round" "$scen" "$proxy" "$conns" "${!portvar}"
      else
        run_wrk "$round" "$scen" "$proxy" "$conns" "http://127.0.0.1:${!portvar}$path" "$header"
      fi
      stop_proxy
    done
    # HAProxy, the fastest peer at 1,000 keep-alive connections, on the same two backends.
    if [ "$scen" = rr1000 ] && [ -n "$HAPROXY" ]; then
      start_haproxy 1
      run_wrk "$round" "$scen" haproxy "$conns" "http://127.0.0.1:$P_HAPROXY_RR$path" "$header"
      stop_proxy
    fi
    if [ "${scen#gzip}" != "$scen" ] && [ -n "$HAPROXY" ]; then
      start_haproxy "${scen#gzip}"
      run_wrk "$round" "$scen" haproxy "$conns" "http://127.0.0.1:$P_HAPROXY$path" "$header"
      stop_proxy
    fi
  done
done

# ---- RSS with idle keep-alive clients -----------------------------------------------------------
for proxy in switchyard nginx; do
  start_proxy "$proxy"
  curl -s -o /dev/null "http://127.0.0.1:$P_RR/1k.bin"
  before=$(status_kib "$PROXY_PID" VmRSS)
  "${ON_LOAD_CPU[@]}" python3 "$HERE/idle_conns.py" "$P_RR" "$IDLE_CONNS" /1k.bin 300 >"$TMP/idle.out" 2>&1 &
  helper=$!; STARTED[$helper]=idle-helper
  for _ in $(seq 1200); do grep -q '^ready' "$TMP/idle.out" && break; kill -0 "$helper" 2>/dev/null || break; sleep 0.1; done
  read -r _ opened failed <"$TMP/idle.out" || { opened=0; failed=$IDLE_CONNS; }
  after=$(status_kib "$PROXY_PID" VmRSS)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$proxy" "$opened" "$failed" "$before" "$after" "$(status_kib "$PROXY_PID" VmHWM)" \
    >>"$RESULTS/idle.tsv"
  echo "idle $proxy: $opened connections open ($failed failed), VmRSS $before -> $after KiB"
  stop_pid "$helper"
  stop_proxy
done

# ---- RSS with idle TLS clients (one request each over TLS 1.3, ECDSA, then idle) -----------------
if tls_idle_wanted; then
  for proxy in switchyard nginx; do
    start_proxy "$proxy"
    curl -sk -o /dev/null "https://127.0.0.1:$P_TLS_EC/1k.bin"
    before=$(status_kib "$PROXY_PID" VmRSS)
    "${ON_LOAD_CPU[@]}" python3 "$HERE/idle_conns.py" "$P_TLS_EC" "$TLS_IDLE_CONNS" /1k.bin 300 tls >"$TMP/tls-idle.out" 2>&1 &
    helper=$!; STARTED[$helper]=idle-helper
    for _ in $(seq 1200); do grep -q '^ready' "$TMP/tls-idle.out" && break; kill -0 "$helper" 2>/dev/null || break; sleep 0.1; done
    read -r _ opened failed <"$TMP/tls-idle.out" || { opened=0; failed=$TLS_IDLE_CONNS; }
    after=$(status_kib "$PROXY_PID" VmRSS)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$proxy" "$opened" "$failed" "$before" "$after" "$(status_kib "$PROXY_PID" VmHWM)" \
      >>"$RESULTS/tls-idle.tsv"
    echo "tls idle $proxy: $opened TLS connections open ($failed failed), VmRSS $before -> $after KiB"
    stop_pid "$helper"
    stop_proxy
  done
fi

# ---- profile switchyard under the round-robin load (50 connections, and 1,000 where it is saturated) --
if [ "$PROFILE" = 1 ] && command -v perf >/dev/null; then
  for conns in 50 1000; do
    start_proxy switchyard
    "${ON_LOAD_CPU[@]}" timeout $((DURATION + 20)) wrk -t2 -c"$conns" -d"$((DURATION + 2))s" "http://127.0.0.1:$P_RR/1k.bin" \
      >/dev/null 2>&1 &
    load=$!; STARTED[$load]=wrk
    sleep 1
    if perf record -e cpu-clock -F 2000 -g -p "$PROXY_PID" -o "$TMP/perf.data" -- sleep "$DURATION" >/dev/null 2>&1; then
      # Files, not `| head` pipelines: under pipefail a closed pipe (SIGPIPE) would end the script.
      perf report -i "$TMP/perf.data" --stdio --no-children --sort symbol -g none >"$TMP/self.txt" 2>/dev/null || true
      perf report -i "$TMP/perf.data" --stdio --children --sort symbol -g none >"$TMP/children.txt" 2>/dev/null || true
      perf report -i "$TMP/perf.data" --stdio --no-children --sort dso -g none 2>/dev/null |
        awk '/^ +[0-9.]+%/ && NR < 200 { print }' >"$RESULTS/profile-rr$conns-dso.txt" || true
      demangle=cat; command -v swift-demangle >/dev/null && demangle="swift-demangle --simplified"
      for kind in self children; do
        awk '/^#/ && /Samples:/ { print "#" $0 } /^ +[0-9.]+%/ { sub(/ +- +- *$/, ""); print }' "$TMP/$kind.txt" |
          $demangle | awk 'NR <= 41' >"$RESULTS/profile-rr$conns-$kind.txt"
      done
      echo "profile: switchyard, rr$conns, perf cpu-clock samples (self %):"
      awk 'NR <= 21' "$RESULTS/profile-rr$conns-self.txt"
    else
      echo "profile: perf record failed here (see BENCHMARKS.md for the callgrind route)"
    fi
    stop_pid "$load"
    stop_proxy
  done
fi

# ---- user-space instructions per request (callgrind) ---------------------------------------------
# Req/s on a shared VM moves by more than sticky routing costs; instruction counts do not. One switchyard under
# callgrind serves the same two-client request stream (two sessions, one per server) through round-robin,
# ip_hash and jvm_route; its counters are zeroed before and dumped after each scenario, so each dump is that
# scenario's cost. The kernel's share (the same syscalls for all three) is not counted.
# cache_gzip1's pair: a compressed HIT and an identity HIT of the same 100 KiB entry (issue 20: within 10%).
balancers_wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," =~ ,(rr_cookie|ip_hash|jvm_route|front_rr50|return200|static1k|ws_msg|rr50_load), ]]; }
cache_gzip_wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *,cache_gzip1,* ]]; }
callgrind_wanted() { balancers_wanted || cache_gzip_wanted; }
if [ "$CALLGRIND" = 1 ] && callgrind_wanted && command -v valgrind >/dev/null && command -v callgrind_control >/dev/null \
   && command -v objcopy >/dev/null; then
  render_proxy_conf switchyard no-ops
  # valgrind cannot read the Swift toolchain's debug info; the code is the same without it.
  objcopy --strip-debug "$SWITCHYARD" "$TMP/switchyard-nodebug"
  # Started as root it would drop to nobody after valgrind made its files and gdbserver FIFOs as root, and
  # callgrind_control would then wait forever: keep root here (`user root`, as nginx allows).
  user=(); [ "$(id -u)" = 0 ] && user=("user root;")
  # BENCH_VALGRIND_OPTS: more callgrind options (e.g. --dump-instr=yes, for instruction-level counts).
  valgrind --tool=callgrind ${BENCH_VALGRIND_OPTS:-} --callgrind-out-file="$TMP/callgrind.out" "$TMP/switchyard-nodebug" \
    -p "$TMP/switchyard" -c "$TMP/switchyard/proxy.conf" -g "daemon off; ${user[*]}" >>"$RESULTS/callgrind-output.log" 2>&1 &
  PROXY_PID=$!; STARTED[$PROXY_PID]=callgrind
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$P_JVM") 2>/dev/null && break; sleep 0.1; done
  ok=1
  if balancers_wanted; then
    for port in "$P_RR" "$P_IPHASH" "$P_JVM"; do python3 "$HERE/two_clients.py" "$port" 50 /1k.bin || ok=0; done
    python3 "$HERE/two_clients.py" "$P_FRONT" 50 /1k.bin "X-Forwarded-For: 192.0.2.1" || ok=0
    python3 "$HERE/two_clients.py" "$P_LOCAL" 50 /r || ok=0
    python3 "$HERE/two_clients.py" "$P_LOCAL" 50 /1k.bin || ok=0
    callgrind_control -z "$PROXY_PID" >/dev/null || ok=0
    # front_rr50: rr_cookie's requests with an X-Forwarded-For line through realip, a limit_req zone and
    # allow/deny (issue 16's cost), against rr_xff: the same requests through plain round-robin.
    # return200 and static1k: responses switchyard makes itself (`return 200 "ok"`, a 1 KiB file from root).
    for entry in "rr_cookie $P_RR /1k.bin" "ip_hash $P_IPHASH /1k.bin" "jvm_route $P_JVM /1k.bin" \
                 "rr_xff $P_RR /1k.bin X-Forwarded-For: 192.0.2.1" \
                 "front_rr50 $P_FRONT /1k.bin X-Forwarded-For: 192.0.2.1" "return200 $P_LOCAL /r" "static1k $P_LOCAL /1k.bin"; do
      read -r scen port path header <<<"$entry"
      [ "$ok" = 1 ] && python3 "$HERE/two_clients.py" "$port" "$CALLGRIND_REQUESTS" "$path" ${header:+"$header"} || ok=0
      callgrind_control -d "$scen" "$PROXY_PID" >/dev/null || ok=0   # dumps and zeroes the counters
    done
    # ws_msg: CALLGRIND_REQUESTS WebSocket messages echoed through one tunnel, one at a time (ws_count.py); the
    # count is per message (two relays, one each way; the tunnel's own handshake is spread over them).
    [ "$ok" = 1 ] && python3 "$HERE/ws_count.py" "$P_WS" "$CALLGRIND_REQUESTS" || ok=0
    callgrind_control -d ws_msg "$PROXY_PID" >/dev/null || ok=0
  fi
  if cache_gzip_wanted; then
    # Fill the entry and its gzip variant, warm both paths, then count each kind of HIT on its own.
    cache_gzip_hits "$P_CACHE_GZIP" || ok=0
    for header in "Accept-Encoding: gzip" ""; do
      python3 "$HERE/two_clients.py" "$P_CACHE_GZIP" 50 /100k.txt ${header:+"$header"} || ok=0
    done
    callgrind_control -z "$PROXY_PID" >/dev/null || ok=0
    for entry in "cache_gzip1|Accept-Encoding: gzip" "cache_plain|"; do
      IFS='|' read -r scen header <<<"$entry"
      [ "$ok" = 1 ] && python3 "$HERE/two_clients.py" "$P_CACHE_GZIP" "$CALLGRIND_REQUESTS" /100k.txt ${header:+"$header"} || ok=0
      callgrind_control -d "$scen" "$PROXY_PID" >/dev/null || ok=0
    done
  fi
  # Last, so the heap it leaves (50 connections' buffers freed) does not change the two-client counts above.
  if balancers_wanted; then
    # rr50_load: rr_cookie's path under load (wrk, 50 connections, after a warm-up that opens them): requests
    # overlap, so heads are parsed while others are held and exchanges live side by side, which the two-client
    # streams above never show (a worker's single head storage once cost six allocations a request there only).
    if [ "$ok" = 1 ]; then
      "${ON_LOAD_CPU[@]}" wrk -t2 -c50 -d2 "http://127.0.0.1:$P_RR/1k.bin" >/dev/null 2>&1 || ok=0
      callgrind_control -z "$PROXY_PID" >/dev/null || ok=0
      n=$("${ON_LOAD_CPU[@]}" wrk -t2 -c50 -d5 "http://127.0.0.1:$P_RR/1k.bin" 2>/dev/null | awk '/requests in/ { print $1 }')
      [ "${n:-0}" -gt 0 ] && echo "$n" >"$TMP/callgrind-requests-rr50_load" || ok=0
    fi
    callgrind_control -d rr50_load "$PROXY_PID" >/dev/null || ok=0
  fi
  stop_proxy
  if [ "$ok" = 1 ]; then
    # Requests a dump counted: CALLGRIND_REQUESTS, or what wrk reported for a scenario under load.
    requests_of() { if [ -f "$TMP/callgrind-requests-$1" ]; then cat "$TMP/callgrind-requests-$1"; else echo "$CALLGRIND_REQUESTS"; fi; }
    for f in "$TMP"/callgrind.out.*; do
      scen=$(awk '/^desc: Trigger: dump / { print $4; exit }' "$f")
      [ -n "$scen" ] && awk -v scen="$scen" -v n="$(requests_of "$scen")" '/^totals:/ { total = $2 }
        END { printf "%s\t%s\t%s\n", scen, n, total }' "$f"
    done >"$RESULTS/callgrind.tsv"
    # Allocations per request, and how many took malloc's slow path (callgrind_allocs.py says why it matters).
    for f in "$TMP"/callgrind.out.*; do
      scen=$(awk '/^desc: Trigger: dump / { print $4; exit }' "$f")
      [ -n "$scen" ] && printf '%s\t%s\n' "$scen" "$(python3 "$HERE/callgrind_allocs.py" "$f" "$(requests_of "$scen")")"
    done >"$RESULTS/callgrind-allocs.tsv"
    echo "callgrind: user-space instructions per request (two alternating sessions, $CALLGRIND_REQUESTS requests; rr50_load: wrk -c50):"
    awk -F'\t' '{ printf "  %-10s %8.0f\n", $1, $3 / $2 }' "$RESULTS/callgrind.tsv"
    echo "callgrind: malloc calls per request, and those on malloc's slow path:"
    awk -F'\t' '{ printf "  %-10s %6s %6s\n", $1, $2, $3 }' "$RESULTS/callgrind-allocs.tsv"
  else
    echo "callgrind: the measurement failed (see $RESULTS/callgrind-output.log)"
  fi
fi

# ---- config load at scale (issue 15) --------------------------------------------------------------
# `-t` of big_config.py's file (5,000 servers, 15,000 locations, 1,000 upstreams), median CPU seconds of
# BENCH_CONFIG_LOAD_RUNS runs per binary (scripts/bench/config_load.sh).
config_load_wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *,config_load,* ]]; }
if config_load_wanted; then
  if load_out=$(SWITCHYARD="$SWITCHYARD" NGINX="$NGINX" "$HERE/config_load.sh" 5000 1000 "${BENCH_CONFIG_LOAD_RUNS:-5}" 2>&1); then
    echo "$load_out"
    echo "$load_out" | awk -F'|' '$2 ~ /switchyard/ { sy = $3 } $2 ~ /nginx/ { ng = $3 }
      END { gsub(/ /, "", sy); gsub(/ /, "", ng); if (sy != "" && ng != "") printf "config_load\t%s\t%s\n", sy, ng }' \
      >"$RESULTS/config-load.tsv"
  else
    echo "config_load: the measurement failed:"; echo "$load_out"
  fi
fi

# ---- summary ------------------------------------------------------------------------------------
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo) x $NCPU"
  echo "kernel=$(uname -r)"
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nginx=$($NGINX -v 2>&1 | sed 's|.*/||')"
  echo "wrk=$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
  echo "haproxy=$([ -n "$HAPROXY" ] && $HAPROXY -v | awk 'NR == 1 { print $3 }')"
  echo "switchyard=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)"
  printf 'rounds=%s\nduration=%ss\nwarmup=%ss\npin=%s\nproxy_cpus=%s\nload_cpus=%s\n' \
    "$ROUNDS" "$DURATION" "$WARMUP" "$PIN" "$PROXY_CPUS" "$LOAD_CPUS"
  echo "switchyard_cache=$SWITCHYARD_CACHE"
  echo "only=$ONLY"
} >"$RESULTS/facts.txt"
python3 "$HERE/summarize.py" "$RESULTS" ${WRITE_DOC:+--doc-if "$WRITE_DOC" "$ROOT/BENCHMARKS.md"}
echo "bench: raw results kept in $RESULTS"
