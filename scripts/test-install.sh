#!/usr/bin/env bash
# make test-install: installing switchyard as an operator does, as root, on this machine, which it leaves as
# it found it. 1. make install DESTDIR=… and -t on the installed configuration, make uninstall. 2. make deb,
# dpkg-deb -I/-c, dpkg -i; -V, -t, ldd, systemd-analyze verify, the man page against -h, logrotate -d.
# 3. The unit's command lines (systemctl when systemd runs, else ExecStartPre/ExecStart/ExecReload/ExecStop
# directly under the unit's hardening: capability bounding set, no_new_privs, read-only /usr /boot /etc,
# private /tmp): serves, reload binds a new privileged port, logrotate + reopen, graceful stop. 4. dpkg -r, -P.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "test-install: run as root (it installs a package)" >&2; exit 1; }
if dpkg-query -W -f='${Status}' switchyard 2>/dev/null | grep -q installed || [ -e /usr/sbin/switchyard ]; then
  echo "test-install: switchyard is already installed on this machine; not touching it" >&2; exit 1
fi

tmp=$(mktemp -d /tmp/switchyard-test-install.XXXXXX)
had_user=$(getent passwd switchyard >/dev/null && echo yes || echo no)
installed=no
lent_dirs=()
fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
# Waits up to 10 s for a command to succeed (no fixed sleeps).
eventually() { for _ in $(seq 100); do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 0.1; done; return 1; }
master_pid() { [ -s /run/switchyard.pid ] && cat /run/switchyard.pid; }
cleanup() {
  set +e
  local pid; pid=$(master_pid 2>/dev/null)
  if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = switchyard ]; then
    kill -TERM "$pid"; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$pid" 2>/dev/null
  fi
  rm -f /etc/switchyard/conf.d/test-install.conf
  for d in "${lent_dirs[@]}"; do rmdir "$d" 2>/dev/null; done
  [ "$installed" = yes ] && dpkg -P switchyard >/dev/null 2>&1
  if [ "$had_user" = no ] && getent passwd switchyard >/dev/null; then
    userdel switchyard 2>/dev/null; getent group switchyard >/dev/null && groupdel switchyard 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step "make install DESTDIR (PREFIX=/usr, the build make deb reuses)"
dest=$tmp/destdir
make --no-print-directory install PREFIX=/usr DESTDIR="$dest" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "make install"; }
for f in usr/sbin/switchyard etc/switchyard/switchyard.conf etc/switchyard/mime.types etc/switchyard/koi-utf etc/switchyard/sites-available/default \
         etc/switchyard/sites-enabled/default usr/share/man/man8/switchyard.8.gz usr/share/switchyard/html/index.html \
         usr/share/doc/switchyard/examples/README.md lib/systemd/system/switchyard.service etc/logrotate.d/switchyard; do
  [ -e "$dest/$f" ] || fail "make install did not install /$f"
done
[ -d "$dest/var/log/switchyard" ] && [ -d "$dest/var/cache/switchyard" ] || fail "no /var/log or /var/cache directory"
# The configuration says `user switchyard;`, which -t checks: the user must exist (removed at the end).
getent passwd switchyard >/dev/null || adduser --system --group --quiet --no-create-home --home /nonexistent switchyard
# -t checks, as a start would, that the logs and temp directories can be made in the system's /var/log and
# /var/cache directories, which only the package makes (below): lent, empty, for this check.
for d in /var/log/switchyard /var/cache/switchyard; do [ -d "$d" ] || { mkdir "$d" && lent_dirs+=("$d"); }; done
"$dest/usr/sbin/switchyard" -t -p "$dest/usr/share/switchyard" -c "$dest/etc/switchyard/switchyard.conf" \
  || fail "-t on the installed configuration"
for d in "${lent_dirs[@]}"; do rmdir "$d"; done
lent_dirs=()
echo "# operator's change" >> "$dest/etc/switchyard/switchyard.conf"
make --no-print-directory install PREFIX=/usr DESTDIR="$dest" >"$tmp/install.log" 2>&1 || fail "second make install"
tail -n1 "$dest/etc/switchyard/switchyard.conf" | grep -q "operator's change" || fail "make install overwrote switchyard.conf"
make --no-print-directory uninstall PREFIX=/usr DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1 || fail "make uninstall"
left=$(cd "$dest" && find . ! -type d | sort)
[ "$left" = "./etc/switchyard/switchyard.conf" ] || fail "make uninstall left: $left (expected only the modified switchyard.conf)"

step "make deb, dpkg-deb -I / -c"
rm -f switchyard_*.deb
make --no-print-directory deb >"$tmp/deb.log" 2>&1 || { cat "$tmp/deb.log"; fail "make deb"; }
grep -E "^(built|lintian)" "$tmp/deb.log"
deb=$(ls switchyard_*_"$(dpkg --print-architecture)".deb)
dpkg-deb -I "$deb" > "$tmp/info"
grep -E "^ (Package|Version|Depends):" "$tmp/info"
for lib in libevent libpcre2-8 zlib1g; do grep -q "^ Depends:.*$lib" "$tmp/info" || fail "Depends lacks $lib"; done
grep -q "swift" <(grep "^ Depends:" "$tmp/info") && fail "Depends names a Swift package"
dpkg-deb -c "$deb" | awk '{print $NF}' > "$tmp/contents"
for f in ./usr/sbin/switchyard ./etc/switchyard/switchyard.conf ./lib/systemd/system/switchyard.service \
         ./etc/logrotate.d/switchyard ./usr/share/man/man8/switchyard.8.gz ./usr/share/doc/switchyard/copyright; do
  grep -qx "$f" "$tmp/contents" || fail "$deb lacks $f"
done
dpkg-deb -e "$deb" "$tmp/control"
diff <(sort "$tmp/control/conffiles") <(grep '^\./etc/.*[^/]$' "$tmp/contents" | sed 's/^\.//' | sort) \
  || fail "conffiles differ from the files under /etc"

step "dpkg -i"
installed=yes
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i"; }
getent passwd switchyard >/dev/null || fail "postinst created no switchyard user"
[ -L /etc/systemd/system/multi-user.target.wants/switchyard.service ] || fail "the unit is not enabled"
[ ! -e /run/switchyard.pid ] || fail "installing started switchyard (it should be enabled, not started)"
/usr/sbin/switchyard -V 2>&1 | tee "$tmp/V"
for a in --prefix=/usr/share/switchyard --conf-path=/etc/switchyard/switchyard.conf \
         --error-log-path=/var/log/switchyard/error.log --pid-path=/run/switchyard.pid; do
  grep -q -- "$a" "$tmp/V" || fail "-V lacks $a"
done
(cd / && /usr/sbin/switchyard -t) || fail "switchyard -t from /usr/sbin"
if ldd /usr/sbin/switchyard | grep -E "/opt/swift|libswift|libFoundation|libdispatch"; then
  fail "the installed binary needs the Swift toolchain's libraries"
fi
# And it runs with the toolchain's folder hidden (an empty tmpfs over it, in a private mount namespace).
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(PATH=/opt/swift/usr/bin:$PATH command -v swift)")")")")
unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs "$1" && cd / && /usr/sbin/switchyard -t -q' sh "$toolchain" \
  || fail "switchyard -t fails with $toolchain hidden"
systemd-analyze verify /lib/systemd/system/switchyard.service || fail "systemd-analyze verify"
man -w switchyard >/dev/null || fail "man switchyard finds no page"
scripts/check-man.sh /usr/sbin/switchyard /usr/share/man/man8/switchyard.8.gz || fail "man page and -h differ"
logrotate -d /etc/logrotate.d/switchyard >"$tmp/logrotate-d.log" 2>&1 || { cat "$tmp/logrotate-d.log"; fail "logrotate -d"; }

step "start, serve, reload (new privileged port), logrotate + reopen, stop"
unit=/lib/systemd/system/switchyard.service
ss -Hltn 'sport = :80' | grep -q . && fail "port 80 is in use on this machine; the default site needs it"
new_port=
for p in $(seq 81 1023); do ss -Hltn "sport = :$p" | grep -q . || { new_port=$p; break; }; done
if [ -d /run/systemd/system ]; then
  run_unit() {
    case $1 in start) systemctl start switchyard ;; reload) systemctl reload switchyard ;; stop) systemctl stop switchyard ;; esac
  }
else
  caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
  grep -qx "NoNewPrivileges=yes" "$unit" || fail "unit lacks NoNewPrivileges (the emulation below assumes it)"
  grep -qx "ProtectSystem=full" "$unit" || fail "unit lacks ProtectSystem=full (the emulation below assumes it)"
  grep -qx "PrivateTmp=yes" "$unit" || fail "unit lacks PrivateTmp (the emulation below assumes it)"
  # systemd's view of the service: its own mount namespace with /usr /boot /etc read-only and a private
  # /tmp, the bounding set, no_new_privs.
  hardened() {
    unshare -m --propagation private -- sh -c '
      for d in /usr /boot /etc; do [ -d $d ] && mount --bind $d $d && mount -o remount,bind,ro $d; done
      mount -t tmpfs tmpfs /tmp
      exec setpriv --no-new-privs --bounding-set=-all,'"$caps"' -- "$@"' sh "$@"
  }
  line() { sed -n "s/^$1=-\{0,1\}//p" "$unit"; }
  run_unit() {
    case $1 in
      start) eval "hardened $(line ExecStartPre)" && eval "hardened $(line ExecStart)" ;;
      reload) eval "hardened $(line ExecReload)" ;;
      stop) eval "hardened $(line ExecStop)" ;;
    esac
  }
fi
run_unit start || fail "start"
eventually master_pid || fail "no pid file after start"
pid=$(master_pid)
eventually curl -fsS -o /dev/null http://127.0.0.1/ || fail "nothing answers on port 80 after start"
[ "$(ps -o user= -p "$pid")" = switchyard ] || fail "master runs as $(ps -o user= -p "$pid"), not switchyard"
curl -fsS http://127.0.0.1/ | grep -q "Welcome to switchyard" || fail "the default site does not serve"

[ -n "$new_port" ] || fail "no free privileged port for the reload check"
printf 'server {\n    listen 127.0.0.1:%s;\n    location / { return 200 "reloaded\\n"; }\n}\n' "$new_port" > /etc/switchyard/conf.d/test-install.conf
run_unit reload || fail "reload"
eventually sh -c "curl -fsS http://127.0.0.1:$new_port/ | grep -q reloaded" || fail "reload did not bind privileged port $new_port"
[ "$(master_pid)" = "$pid" ] || fail "reload changed the master pid"
printf 'server { listen 127.0.0.1:%s; bogus_directive; }\n' "$new_port" > /etc/switchyard/conf.d/test-install.conf
# As nginx's: -s reload reads the configuration first, so ExecReload itself fails; a SIGHUP that reaches
# the master anyway is reported and the old configuration kept.
run_unit reload 2>/dev/null && fail "ExecReload succeeded on a broken configuration"
kill -HUP "$pid"
eventually grep -q "emerg.*bogus_directive" /var/log/switchyard/error.log || fail "a bad reload was not reported in error.log: $(tail -n 5 /var/log/switchyard/error.log)"
curl -fsS http://127.0.0.1:$new_port/ | grep -q reloaded || fail "a failed reload dropped the old configuration"
rm /etc/switchyard/conf.d/test-install.conf
run_unit reload || fail "reload back"

curl -fsS -o /dev/null http://127.0.0.1/
logrotate -f -s "$tmp/logrotate.state" /etc/logrotate.d/switchyard || fail "logrotate"
[ -e /var/log/switchyard/access.log.1 ] || fail "logrotate did not rotate access.log"
curl -fsS -A after-logrotate -o /dev/null http://127.0.0.1/
eventually grep -q after-logrotate /var/log/switchyard/access.log || fail "after logrotate, requests are not logged in the new access.log"
# A rotation that creates no file: the reopen goes through the root helper (root-owned directory).
mv /var/log/switchyard/access.log /var/log/switchyard/access.log.2
/usr/sbin/switchyard -s reopen || fail "-s reopen"
curl -fsS -A after-reopen -o /dev/null http://127.0.0.1/
eventually grep -q after-reopen /var/log/switchyard/access.log || fail "after reopen, requests are not logged in a new access.log"

run_unit stop || fail "stop"
eventually sh -c "! kill -0 $pid" || fail "switchyard still runs after stop"
[ ! -e /run/switchyard.pid ] || fail "the pid file remains after stop"
curl -fsS -m 2 http://127.0.0.1/ >/dev/null 2>&1 && fail "something still serves on port 80"

step "dpkg -r, dpkg -P"
dpkg -r switchyard >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -r"; }
[ ! -e /usr/sbin/switchyard ] || fail "dpkg -r left /usr/sbin/switchyard"
[ -e /etc/switchyard/switchyard.conf ] || fail "dpkg -r removed a conffile"
dpkg -P switchyard >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -P"; }
installed=no
for p in /etc/switchyard /var/log/switchyard /var/cache/switchyard /lib/systemd/system/switchyard.service \
         /etc/systemd/system/multi-user.target.wants/switchyard.service; do
  [ ! -e "$p" ] || fail "dpkg -P left $p"
done
rm -f "$deb"
echo "test-install: OK"
