#!/usr/bin/env bash
# Deploys one Tomcat without losing a session: drain it through switchyard's runtime API, wait until no session
# has reached it for drain_idle (the API's "drained": true), stop it, start it, undrain it.
#
#   STOP_CMD='kill 12345' START_CMD='systemctl start tomcat@1' examples/deploy-drain.sh 127.0.0.1:8081
#
# Settings (environment):
#   API        the api location's versioned root        (default http://127.0.0.1:8080/api/9)
#   UPSTREAM   the upstream block's name                (default tomcat-lb)
#   STOP_CMD   how to stop the server (required)        run with bash -c once it is drained
#   START_CMD  how to start it again (required)         its port must listen within START_WAIT seconds
#   POLL       seconds between polls                    (default 5)
#   MAX_WAIT   give up draining after this many seconds (default 3600; the server is undrained again)
#   START_WAIT seconds to wait for the port after START_CMD (default 120)
# Needs bash and curl. The API answers compact JSON whose peer objects start with id, server, name, backup,
# weight, state, sessions, drained, so sed reads them without jq.
set -euo pipefail

server=${1:?"usage: $0 HOST:PORT (the address of the server line, e.g. 127.0.0.1:8081)"}
api=${API:-http://127.0.0.1:8080/api/9}
upstream=${UPSTREAM:-tomcat-lb}
poll=${POLL:-5}
max_wait=${MAX_WAIT:-3600}
start_wait=${START_WAIT:-120}
: "${STOP_CMD:?set STOP_CMD to the command that stops $server}"
: "${START_CMD:?set START_CMD to the command that starts $server}"
base="$api/http/upstreams/$upstream"

say() { echo "deploy-drain: $*"; }
patch() {  # patch ID JSON
  curl -fsS -X PATCH -H 'Content-Type: application/json' -d "$2" "$base/servers/$1" >/dev/null
}
# The server's id, from GET …/servers ({"id":N,"server":"ADDR",…}).
id=$(curl -fsS "$base/servers" | grep -o "{\"id\":[0-9]*,\"server\":\"$server\"" | grep -o '[0-9][0-9]*' | head -n 1 || true)
[ -n "$id" ] || { say "no server $server in upstream $upstream ($base/servers)"; exit 1; }

# Reads "sessions drained" of server $id from GET …/upstreams/NAME.
peer_state() {
  curl -fsS "$base" | grep -o "{\"id\":$id,\"server\":[^{}]*" \
    | sed -n 's/.*"sessions":\([0-9]*\),"drained":\(true\|false\).*/\1 \2/p'
}

say "draining $server (id $id) in $upstream"
patch "$id" '{"drain":true}'
waited=0
while :; do
  state=$(peer_state || true)
  [ -n "$state" ] || { say "cannot read the state of $server from $base"; exit 1; }
  read -r sessions drained <<<"$state"
  say "$server: $sessions session(s) within drain_idle, drained: $drained"
  [ "$drained" = true ] && break
  if [ "$waited" -ge "$max_wait" ]; then
    say "still not drained after ${max_wait}s: undraining $server and giving up"
    patch "$id" '{"drain":false}'
    exit 1
  fi
  sleep "$poll"; waited=$((waited + poll))
done

say "stopping $server"
bash -c "$STOP_CMD"
say "starting $server"
bash -c "$START_CMD"
host=${server%:*}; port=${server##*:}
for _ in $(seq 1 $((start_wait * 10))); do
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null || { say "$server does not listen after ${start_wait}s: left drained"; exit 1; }

say "undraining $server"
patch "$id" '{"drain":false}'
say "done: $server takes new sessions again"
