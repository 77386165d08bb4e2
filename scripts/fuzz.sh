#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/<Name>, checks in Sources/FuzzChecks) with AddressSanitizer into
# .build-fuzz and runs each one in turn from its seed corpus (Fuzz/corpus/<target>). Prints executions, exec/s
# and crashes per target; exits non-zero if any target found a crash (the input is left in Fuzz/crashes/).
# See docs/FUZZING.md.
#
#   scripts/fuzz.sh                          # every target, FUZZ_SECONDS each (default 30: three minutes in all)
#   FUZZ_SECONDS=600 scripts/fuzz.sh config  # one target, longer
#   FUZZ_RUNS=10000000 scripts/fuzz.sh       # a number of executions per target instead of a time
#   FUZZ_BUILD=0 scripts/fuzz.sh             # skip the build
#   FUZZ_WORK=/tmp/grown scripts/fuzz.sh     # keep the inputs libFuzzer adds (default: a temporary directory)
#   FUZZ_MAX_LEN=4096 scripts/fuzz.sh        # longest input generated (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SECONDS_EACH=${FUZZ_SECONDS:-30}
RUNS=${FUZZ_RUNS:-}
NICE=${FUZZ_NICE:-10}
all=(request-head response-head chunked session config cache-entry fastcgi cgi-stream)
# Targets whose code is pure Swift with no pointer code (the config loader): AddressSanitizer has nothing to
# watch there (Swift's own bounds and overflow traps are what fire), and it halves their speed, so they are
# built with libFuzzer's coverage alone, into a scratch directory of their own.
pure=(config)
is_pure() { local p; for p in "${pure[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }
scratch() { if is_pure "$1"; then echo .build-fuzz-cov; else echo .build-fuzz; fi; }
sanitizers() { if is_pure "$1"; then echo fuzzer; else echo fuzzer,address; fi; }
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

product() {  # request-head -> FuzzRequestHead, fastcgi -> FuzzFastCGI
  [ "$1" = fastcgi ] && { echo FuzzFastCGI; return; }
  [ "$1" = cgi-stream ] && { echo FuzzCGIStream; return; }
  local out="Fuzz" part
  IFS=- read -ra parts <<<"$1"
  for part in "${parts[@]}"; do out+="${part^}"; done
  echo "$out"
}

rt=$("$SWIFT" -print-target-info 2>/dev/null | sed -n 's/.*"runtimeResourcePath": "\(.*\)".*/\1/p')
if [ -n "$rt" ] && ! ls "$rt"/clang/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
  echo "fuzz: libFuzzer's runtime is missing from $rt/clang/lib/linux (it ships with the Swift toolchain)" >&2
  exit 1
fi
if [ "${FUZZ_BUILD:-1}" = 1 ]; then
  for t in "${targets[@]}"; do
    # -sanitize=fuzzer,address in one flag: a second -sanitize= would replace the first (no coverage).
    nice -n "$NICE" "$SWIFT" build -c release --product "$(product "$t")" --scratch-path "$(scratch "$t")" \
      -Xswiftc -sanitize="$(sanitizers "$t")" -Xswiftc -DFUZZING >&2
  done
fi

if [ -n "${FUZZ_WORK:-}" ]; then
  work=$FUZZ_WORK
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-fuzz.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
# Cheaper ASan bookkeeping: no allocation stacks, a small quarantine; leaks are not what these runs look for.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0:quarantine_size_mb=16:detect_leaks=0}
mkdir -p Fuzz/crashes
failed=0
printf '%-14s %12s %10s %8s %8s\n' target executions exec/s seconds crashes
for t in "${targets[@]}"; do
  bin="$(scratch "$t")/release/$(product "$t")"
  # New inputs go to a scratch corpus; the seeds in the repository are read, not grown.
  mkdir -p "$work/$t"
  limit=(-max_total_time="$SECONDS_EACH")
  [ -n "$RUNS" ] && limit=(-runs="$RUNS")
  dict=()
  [ -f "Fuzz/dict/$t.dict" ] && dict=(-dict="Fuzz/dict/$t.dict")
  log="$work/$t.log"
  start=$(date +%s)
  set +e
  nice -n "$NICE" "$bin" "${limit[@]}" "${dict[@]}" -max_len="${FUZZ_MAX_LEN:-1024}" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="Fuzz/crashes/$t-" \
    "$work/$t" "Fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  crashes=0
  if [ $rc -ne 0 ]; then
    crashes=1
    failed=1
    grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$log" | head -5 >&2
    cp "$log" "Fuzz/crashes/$t.log"
  fi
  printf '%-14s %12s %10s %8s %8s\n' "$t" "${runs:-?}" "${speed:-?}" "$elapsed" "$crashes"
done
exit $failed
