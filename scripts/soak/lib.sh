# Shared by scripts/soak.sh and scripts/sanitize.sh (sourced): the origin nginx, the proxy config, process
# bookkeeping. Everything listens on 127.0.0.1; every PID started is recorded and stopped by its PID on exit.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}

declare -A STARTED=()
stop_pid() { # PID [SIGNAL]: bounded stop
  local pid=$1 i
  [ -n "${STARTED[$pid]:-}" ] || return 0
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "STARTED[$pid]"
}
stop_all() { local pid; for pid in "${!STARTED[@]}"; do stop_pid "$pid"; done; }

wait_port() { # PORT [TRIES]: bounded wait until something accepts on it
  local i
  for i in $(seq "${2:-200}"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1" >&2; return 1
}

# PORT B1 B2: three free ports below the ephemeral range (the bench's picker).
read_ports() { read -r PORT B1 B2 <<<"$(python3 "$HERE/../bench/free_ports.py" 3)"; }

render() { # TEMPLATE DIR: substitutes the @NAME@ placeholders
  sed -e "s|@DIR@|$2|g; s|@PREFIX@|$2|g; s|@PORT@|$PORT|g; s|@B1@|$B1|g; s|@B2@|$B2|g" \
      -e "s|@ACCESS_LOG@|${ACCESS_LOG:-off}|g; s|@KEEPALIVE_REQUESTS@|${KEEPALIVE_REQUESTS:-1000}|g" "$1"
}

start_backend() { # DIR: the two-port origin, with its files
  local dir=$1
  mkdir -p "$dir/www"
  head -c 1024 /dev/urandom >"$dir/www/1k.bin"
  python3 -c 'import random,sys
r = random.Random(7); w = ["session", "tomcat", "route", "proxy", "cookie", "<div>", "</div>", "the", "of"]
sys.stdout.write("".join(" ".join(r.choice(w) for _ in range(9)) + "\n" for _ in range(200))[:10240])' >"$dir/www/10k.txt"
  render "$HERE/backend.conf.in" "$dir" >"$dir/backend.conf"
  "$NGINX" -p "$dir" -c "$dir/backend.conf" -e "$dir/backend-stderr.log" >"$dir/backend-stdout.log" 2>&1 &
  STARTED[$!]=backend
  wait_port "$B1" && wait_port "$B2"
}

render_proxy() { # DIR: writes DIR/proxy.conf
  mkdir -p "$1/cache" "$1/logs"
  render "$HERE/proxy.conf.in" "$1" >"$1/proxy.conf"
}

# wrk's summary -> "requests errors non2xx" (errors: connect + read + write + timeout).
wrk_counts() {
  awk '/requests in/ { req = $1 }
       /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
       /Non-2xx or 3xx responses:/ { bad = $5 }
       END { printf "%d %d %d\n", req, err, bad }' "$1"
}

rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

need_tools() { # NAME TOOL...: every tool present, else say which is missing and how to get it
  local name=$1 tool; shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$name: missing $tool (run: make $name)" >&2; exit 1; }
  done
}

run_dir() { # NAME KEEP: sets TMP to a new directory, removed at exit with everything started (kept if KEEP=1)
  RUN_NAME=$1; RUN_KEEP=$2
  TMP=$(mktemp -d "/tmp/switchyard-$RUN_NAME.XXXXXX")
  chmod 755 "$TMP"   # started as root, switchyard serves as nobody (as nginx's workers): its files must be reachable
  trap 'stop_all; if [ "$RUN_KEEP" = 1 ]; then echo "$RUN_NAME: kept $TMP"; else rm -rf "$TMP"; fi' EXIT
  trap 'exit 130' INT TERM
}
