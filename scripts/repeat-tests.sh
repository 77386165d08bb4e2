#!/usr/bin/env bash
# Runs the whole test suite N times in a row (default 20) while the machine is loaded, to catch flaky tests.
# Load: an nginx (one worker) serving a small file, and wrk hammering it, both pinned to the last core.
# Usage: scripts/repeat-tests.sh [N]   (after `swift build --build-tests`; make repeat-tests does both)
# Every process it starts is stopped by PID on exit. Runs use a copy of the debug build, so the tree may
# be rebuilt meanwhile; a run's log is kept only when it fails. The tests still read files of the tree (the man
# page, docs/, Package.swift, the fuzz corpus), so an edit during the runs can fail them: the script stops,
# saying so, when the tree no longer matches the state it started from.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
export PATH=/opt/swift/usr/bin:$PATH
work=$(mktemp -d /tmp/switchyard-repeat-XXXXXX)
core=$(( $(nproc) - 1 ))
cp -a .build/x86_64-unknown-linux-gnu/debug "$work/debug"
bin="$work/debug/switchyardPackageTests.xctest"
[ -x "$bin" ] || { echo "no test bundle: run swift build --build-tests first" >&2; exit 2; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/logs" "$work/nginx/html"
echo "hello" > "$work/nginx/html/index.html"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/logs/error.log;
events { worker_connections 256; }
http { access_log off; server { listen 127.0.0.1:$port; root $work/nginx/html; } }
CONF
taskset -c "$core" nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" & nginx_pid=$!
sleep 0.5
taskset -c "$core" wrk -t1 -c32 -d$((runs * 300))s "http://127.0.0.1:$port/" > /dev/null 2>&1 & wrk_pid=$!
cleanup() { kill "$wrk_pid" "$nginx_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work/debug"; }
trap cleanup EXIT

tree_state() { { git rev-parse HEAD; git status --porcelain --untracked-files=no; git diff; } 2>/dev/null | md5sum; }
start_state=$(tree_state)
passed=0; failed=0
for i in $(seq 1 "$runs"); do
    if [ "$(tree_state)" != "$start_state" ]; then
        echo "repeat-tests: the tree changed after run $((i - 1)); the runs after that would not test one state: stopping"
        break
    fi
    log="$work/run-$i.log"
    start=$(date +%s)
    if timeout 900 "$bin" --testing-library swift-testing > "$log" 2>&1; then
        passed=$((passed + 1)); rm -f "$log"; verdict=ok
    else
        failed=$((failed + 1)); verdict="FAILED (log: $log)"
        grep -E "✘" "$log" | grep -v "Suite\|Test run" | head -5
    fi
    echo "run $i: $verdict in $(( $(date +%s) - start )) s"
done
echo "repeat-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
