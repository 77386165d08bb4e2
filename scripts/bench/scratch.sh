# Sourced by the single-purpose bench scripts (sticky_sign.sh, sticky_learn.sh, shared_routes.sh): the tools they
# need, a scratch directory, and every process they start stopped by its PID on exit.
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
