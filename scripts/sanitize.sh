#!/usr/bin/env bash
# `make sanitize`: the test suite, then the proxy under load with reloads, each built with AddressSanitizer and
# with ThreadSanitizer. Fails on any sanitizer report (or a failed test, or a dead proxy).
#
# Per sanitizer: `swift build --build-tests --sanitize=S --scratch-path .build-asan|.build-tsan`; the suite runs
# with SWITCHYARD_BIN pointing at that build's switchyard, so the proxies the tests start are sanitized too.
# Then the same switchyard serves wrk (scripts/soak/requests.lua: jvm_route cookies, gzip, proxy_cache, two
# worker threads) against a two-port nginx origin on 127.0.0.1, with SIGHUP every second, one SIGUSR1 (log
# reopen), and a graceful stop (SIGQUIT) at the end, so exit-time reports (thread leaks) count.
# Reports go to files (log_path), one per process: scratch/sanitize-reports/S/report.PID.
#
# Usage: scripts/sanitize.sh [address] [thread]     (default: both)
# Knobs (environment): SANITIZE_LOAD_SECONDS=20 SANITIZE_CONNECTIONS=20 SANITIZE_TESTS=1 (0: load only)
#   SANITIZE_FILTER=regex (passed to swift test --filter) SANITIZE_KEEP=1 (keep the load's temp dir)
#   SANITIZE_BUILD=0 (use what is already built in the scratch path)
#   SANITIZE_LEAKS=1 (also LeakSanitizer; off by default: XCTest's runner and switchyard's last runtime at exit
#   are reported, see docs/SANITIZERS.md)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/soak/lib.sh"
SWIFT=${SWIFT:-swift}
LOAD_SECONDS=${SANITIZE_LOAD_SECONDS:-20}
CONNS=${SANITIZE_CONNECTIONS:-20}
TESTS=${SANITIZE_TESTS:-1}
KINDS=("$@"); [ ${#KINDS[@]} -gt 0 ] || KINDS=(address thread)

need_tools sanitize "$SWIFT" "$NGINX" wrk python3 curl
run_dir sanitize "${SANITIZE_KEEP:-0}"

# One process's reports: every sanitizer writes "==PID==ERROR: ..." (ASan) or "WARNING: ThreadSanitizer: ..."
# (TSan) blocks; a summary line per report.
summarize() { # DIR
  local f
  for f in "$1"/report.*; do
    [ -e "$f" ] || continue
    echo "sanitize: report $f:"
    grep -E "^(SUMMARY|WARNING): |ERROR: " "$f" | sort | uniq -c | sed 's/^/sanitize:   /'
  done
}

load_run() { # KIND SCRATCH: the sanitized proxy under wrk with reloads; writes "requests errors non2xx" to TMP/KIND/counts
  local kind=$1 bin=$2/debug/switchyard dir=$TMP/$1 proxy reloader i
  read_ports
  start_backend "$dir/backend"
  ACCESS_LOG="$dir/proxy/access.log" KEEPALIVE_REQUESTS=1000000 render_proxy "$dir/proxy"
  env "${SAN_ENV[@]}" "$bin" -p "$dir/proxy" -c "$dir/proxy/proxy.conf" -g "daemon off;" >"$dir/proxy/output.log" 2>&1 &
  proxy=$!; STARTED[$proxy]=switchyard-$kind
  wait_port "$PORT" 600 || { tail "$dir/proxy/output.log" "$dir/proxy/error.log" >&2; return 1; }
  ( for i in $(seq $((LOAD_SECONDS + 5))); do sleep 1; kill -HUP "$proxy" 2>/dev/null || break
      [ "$i" = 3 ] && { mv "$dir/proxy/access.log" "$dir/proxy/access.log.1"; kill -USR1 "$proxy" 2>/dev/null || break; }
    done ) &
  reloader=$!; STARTED[$reloader]=reloader
  # Sanitized builds answer 5-20x slower: wrk waits up to 10 s before it counts a timeout.
  timeout $((LOAD_SECONDS + 60)) wrk -t2 -c"$CONNS" -d"${LOAD_SECONDS}s" --timeout 10s -s "$HERE/requests.lua" \
    "http://127.0.0.1:$PORT" >"$dir/wrk.txt" 2>&1 || true
  stop_pid "$reloader"
  sed 's/^/sanitize:   wrk: /' "$dir/wrk.txt"
  echo "sanitize:   $(grep -c 'reconfigured in' "$dir/proxy/error.log" || true) reloads"
  # A graceful stop: the process must exit by itself, joining what it started (thread leaks are reported here).
  kill -QUIT "$proxy"
  for i in $(seq 300); do kill -0 "$proxy" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$proxy" 2>/dev/null; then echo "sanitize:   switchyard did not exit within 30 s of SIGQUIT"; LOAD_FAILED=1; fi
  stop_pid "$proxy"
  stop_all
  wrk_counts "$dir/wrk.txt" >"$dir/counts"
}

status=0
declare -a FIGURES=()
for kind in "${KINDS[@]}"; do
  case $kind in
    address) scratch=$ROOT/.build-asan; opts_name=ASAN_OPTIONS; extra="detect_leaks=${SANITIZE_LEAKS:-0}" ;;
    thread) scratch=$ROOT/.build-tsan; opts_name=TSAN_OPTIONS; extra="" ;;
    *) echo "sanitize: unknown sanitizer '$kind' (address or thread)" >&2; exit 2 ;;
  esac
  reports=$scratch/sanitize-reports/$kind
  rm -rf "$reports"; mkdir -p "$reports/tests" "$reports/load"
  # Started as root, switchyard drops to `nobody` (as nginx does): a report written after that must be able to
  # create its file here, or the sanitizer prints "Can't open file" to the proxy's stderr and the report is lost.
  chmod 1777 "$reports/tests" "$reports/load"
  echo "sanitize: $kind: building (swift build --build-tests --sanitize=$kind --scratch-path $scratch)"
  t0=$SECONDS
  [ "${SANITIZE_BUILD:-1}" = 0 ] || nice -n 10 "$SWIFT" build --build-tests --sanitize="$kind" --scratch-path "$scratch" 2>&1 | grep -E "error|warning: unre|Compiling|Build" | grep -v Compiling || true
  [ -x "$scratch/debug/switchyard" ] || { echo "sanitize: $kind: build failed" >&2; exit 1; }
  build_s=$((SECONDS - t0))

  tests_line="skipped"
  if [ "$TESTS" = 1 ]; then
    t0=$SECONDS
    filter=(); [ -n "${SANITIZE_FILTER:-}" ] && filter=(--filter "$SANITIZE_FILTER")
    set +e
    # SWITCHYARD_SANITIZER: the tests that bound a proxy's RSS skip that bound under ASan (its quarantine keeps
    # freed memory resident; ProxyProcess.residentSizeIsMeaningful).
    env "$opts_name=log_path=$reports/tests/report halt_on_error=0 $extra" SWITCHYARD_BIN="$scratch/debug/switchyard" \
      SWITCHYARD_SANITIZER="$kind" \
      nice -n 10 "$SWIFT" test --skip-build --sanitize="$kind" --scratch-path "$scratch" "${filter[@]}" >"$TMP/tests-$kind.log" 2>&1
    rc=$?
    set -e
    tail -3 "$TMP/tests-$kind.log" | sed 's/^/sanitize:   /'
    grep -E "✘ Test .* (failed|recorded)" "$TMP/tests-$kind.log" | head -20 | sed 's/^/sanitize:   /' || true
    nreports=$(ls "$reports/tests" | wc -l)
    tests_line="exit $rc, $nreports report file(s), $((SECONDS - t0)) s"
    [ "$rc" = 0 ] && [ "$nreports" = 0 ] || status=1
    summarize "$reports/tests"
  fi

  echo "sanitize: $kind: the proxy under wrk for ${LOAD_SECONDS}s with SIGHUP every second"
  SAN_ENV=("$opts_name=log_path=$reports/load/report halt_on_error=0 $extra")
  LOAD_FAILED=0
  load_run "$kind" "$scratch"
  read -r req err bad <"$TMP/$kind/counts"
  nreports=$(ls "$reports/load" | wc -l)
  [ "$nreports" = 0 ] && [ "$LOAD_FAILED" = 0 ] && [ "$req" -gt 0 ] && [ "$err" = 0 ] && [ "$bad" = 0 ] || status=1
  summarize "$reports/load"
  FIGURES+=("$kind: build ${build_s} s; tests: $tests_line; load: $req requests, $err socket errors, $bad non-2xx, $nreports report file(s)")
done

echo
printf 'sanitize: %s\n' "${FIGURES[@]}"
if [ "$status" = 0 ]; then echo "sanitize: PASS (no sanitizer report)"; else echo "sanitize: FAIL"; fi
exit "$status"
