#!/usr/bin/env bash
# Turns a staging root made by `make install PREFIX=/usr DESTDIR=ROOT` into switchyard_VERSION_ARCH.deb in the
# checkout (make deb): control file with the libraries' packages from dpkg-shlibdeps, conffiles, maintainer
# scripts, md5sums, a stripped binary; then lintian, when installed, with packaging/debian/lintian-overrides.
# Usage: scripts/build-deb.sh ROOT
set -euo pipefail
cd "$(dirname "$0")/.."
root=$1
pkg=packaging/debian
version=$(sed -n 's/.*switchyardVersion = "\(.*\)".*/\1/p' Sources/switchyard/VersionInfo.swift)
arch=$(dpkg --print-architecture)
[ -n "$version" ] || { echo "build-deb: no version in VersionInfo.swift" >&2; exit 1; }

# What postinst creates (with the right owners), not shipped: the default site's link, logs and cache.
rm -f "$root/etc/switchyard/sites-enabled/default"
rmdir "$root/var/log/switchyard" "$root/var/cache/switchyard" "$root/var/log" "$root/var/cache" "$root/var"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/sbin/switchyard"

doc="$root/usr/share/doc/switchyard"
install -m 0644 "$pkg/copyright" "$doc/copyright"
sed "s/@VERSION@/$version/" "$pkg/changelog" | gzip -9n > "$doc/changelog.gz"
gzip -9n "$doc/README.md"
install -d "$root/usr/share/lintian/overrides"
if [ -s "$pkg/lintian-overrides" ]; then
  install -m 0644 "$pkg/lintian-overrides" "$root/usr/share/lintian/overrides/switchyard"
else
  rmdir "$root/usr/share/lintian/overrides" "$root/usr/share/lintian"
fi

# Runtime libraries: dpkg-shlibdeps wants a debian/control, so it runs in a scratch source tree.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/debian"
printf 'Source: switchyard\n\nPackage: switchyard\nArchitecture: any\n' > "$scratch/debian/control"
binary=$(readlink -f "$root/usr/sbin/switchyard")
depends=$(cd "$scratch" && dpkg-shlibdeps -O "$binary" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d -m 0755 "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
  "$pkg/control.in" > "$root/DEBIAN/control"
install -m 0644 "$pkg/conffiles" "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "$pkg/$script" "$root/DEBIAN/$script"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
  > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

out="switchyard_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "built $out"
if command -v lintian >/dev/null; then
  lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$out"
  echo "lintian: clean"
fi
