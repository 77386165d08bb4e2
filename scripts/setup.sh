#!/usr/bin/env bash
# Installs the system packages switchyard needs to build, test, run the demo and benchmark.
# Idempotent: installs only what is missing. Usage: scripts/setup.sh [build|test|run|bench|sanitize|soak|repeat-tests|test-install|config-diff]
set -euo pipefail
want=(libevent-dev libpcre2-dev zlib1g-dev libssl-dev libcrypt-dev pkg-config curl)
case "${1:-build}" in
  test)  want+=(memcached nginx python3-websockets openssl prometheus chromium) ;;   # prometheus: promtool checks the metrics page; chromium: the dashboard's browser test
  run)   want+=(memcached) ;;
  bench) want+=(nginx wrk haproxy valgrind binutils python3-websockets) ;;
  sanitize) want+=(memcached nginx wrk python3-websockets prometheus chromium) ;;
  soak)  want+=(nginx wrk) ;;
  repeat-tests) want+=(memcached nginx wrk python3-websockets prometheus chromium) ;;
  deb)   want+=(dpkg-dev binutils) ;;
  config-diff) want+=(nginx openssl git python3) ;;
  # systemd for systemd-analyze verify; util-linux for setpriv/unshare (the unit's sandbox without systemd).
  test-install) want+=(dpkg-dev binutils lintian logrotate adduser man-db systemd util-linux) ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "switchyard: missing system packages: ${missing[*]}" >&2
  echo "switchyard: install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "switchyard: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
