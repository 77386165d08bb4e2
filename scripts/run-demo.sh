#!/usr/bin/env bash
# The reference deployment on this machine (see ../shared reference, examples/README.md):
#   memcached n1 127.0.0.1:11211, n2 127.0.0.1:11212
#   session-app tomcat1 127.0.0.1:8081, tomcat2 127.0.0.1:8091 (Tomcat + memcached-session-manager stand-ins)
#   switchyard on 8080
# Usage: scripts/run-demo.sh [non-sticky|sticky]
#   non-sticky (default, the reference guide's choice): switchyard on conf/ (round-robin), MSM non-sticky mode.
#   sticky: switchyard on examples/sticky.conf (jvm_route), MSM sticky mode with failover nodes.
# Installs nothing (`make run` does, then builds in release). Ctrl-C stops everything this script started.
set -uo pipefail

variant=${1:-non-sticky}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${DEMO_BIN_DIR:-$root/.build/release}
logs=$root/logs/demo
nodes="n1:127.0.0.1:11211,n2:127.0.0.1:11212"

case "$variant" in
  non-sticky)
    proxy_args=(-p "$root" -g "daemon off;")
    app1=(--non-sticky --locking auto); app2=(--non-sticky --locking auto)
    about="round-robin over tomcat1/tomcat2 (conf/), sessions in memcached (MSM non-sticky, locking auto)" ;;
  sticky)
    proxy_args=(-p "$root" -c "$root/examples/sticky.conf" -g "daemon off;")
    app1=(--sticky --failover-node n2); app2=(--sticky --failover-node n1)
    about="jvm_route (examples/sticky.conf), local sessions backed up to memcached (MSM sticky)" ;;
  *) echo "usage: $0 [non-sticky|sticky]" >&2; exit 2 ;;
esac

for b in "$bin/switchyard" "$bin/session-app"; do
  [ -x "$b" ] || { echo "run-demo: $b is missing: run \`make run\` (or swift build -c release)" >&2; exit 1; }
done
memcached_bin=$(command -v memcached || true)
[ -n "$memcached_bin" ] || { echo "run-demo: memcached is not installed: run \`make run\` (it installs it)" >&2; exit 1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in 11211 11212 8081 8091 8080; do
  if listening "$port"; then
    echo "run-demo: 127.0.0.1:$port is already in use (an earlier demo still running?)" >&2
    exit 1
  fi
done

mkdir -p "$logs"
pids=()
names=()
stop_all() {
  trap - INT TERM
  echo
  echo "run-demo: stopping ${names[*]}"
  for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null; done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" 2>/dev/null; done
  echo "run-demo: stopped; logs are in $logs"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

# start NAME PORT COMMAND...: runs it in the background, output to logs/demo/NAME.log, waits until PORT listens.
start() {
  local name=$1 port=$2; shift 2
  "$@" >"$logs/$name.log" 2>&1 &
  pids+=($!); names+=("$name")
  for _ in $(seq 1 100); do
    listening "$port" && return 0
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "run-demo: $name exited at start; its log ($logs/$name.log):" >&2
      tail -n 20 "$logs/$name.log" >&2
      stop_all; exit 1
    fi
    sleep 0.1
  done
  echo "run-demo: $name did not listen on $port within 10 s; see $logs/$name.log" >&2
  stop_all; exit 1
}

as_user=(); [ "$(id -u)" -eq 0 ] && as_user=(-u nobody)  # memcached refuses to run as root without -u
start memcached-n1 11211 "$memcached_bin" "${as_user[@]}" -l 127.0.0.1 -p 11211 -U 0 -m 512 -c 1024
start memcached-n2 11212 "$memcached_bin" "${as_user[@]}" -l 127.0.0.1 -p 11212 -U 0 -m 512 -c 1024
start tomcat1 8081 "$bin/session-app" --port 8081 --jvm-route tomcat1 --memcached "$nodes" "${app1[@]}"
start tomcat2 8091 "$bin/session-app" --port 8091 --jvm-route tomcat2 --memcached "$nodes" "${app2[@]}"
# The parents of the config's temp and log paths (proxy_temp_path temp/proxy_temp): switchyard, like nginx,
# makes only the last directory of a temp or cache path and refuses to start when its parent is missing.
mkdir -p "$root/logs" "$root/temp"
start switchyard 8080 "$bin/switchyard" "${proxy_args[@]}"

cat <<MSG

  The reference cluster is up ($variant): $about.

    Open   http://127.0.0.1:8080/tomcat-session/   and refresh: the SESSION ID stays, the HITS count up.
    Kill a node and refresh again — the session survives:
           kill ${pids[2]}    # tomcat1        kill ${pids[3]}    # tomcat2
           kill ${pids[0]}    # memcached n1   kill ${pids[1]}    # memcached n2
    From a shell: curl -s -c /tmp/jar -b /tmp/jar http://127.0.0.1:8080/tomcat-session/
    Logs:  $logs/ (switchyard's own: $root/logs/error.log)

  Press Ctrl-C to stop everything ($(IFS=,; echo "${names[*]}"): PIDs ${pids[*]}).

MSG

# Stay in the foreground until Ctrl-C. A node killed on purpose is part of the demo: report it, keep running.
alive=("${pids[@]}")
while [ ${#alive[@]} -gt 0 ]; do
  wait -n "${alive[@]}" 2>/dev/null
  still=()
  for i in "${!pids[@]}"; do
    p=${pids[$i]}
    if kill -0 "$p" 2>/dev/null; then still+=("$p")
    elif [[ " ${alive[*]} " == *" $p "* ]]; then echo "run-demo: ${names[$i]} (PID $p) has stopped"; fi
  done
  alive=("${still[@]}")
done
echo "run-demo: everything has stopped"
