#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: the Debian source package iofd and the binary packages
# iofd-dkms (module sources for DKMS, udev rule, modprobe.d, iofd(4)) and
# iofd-tools (iofd-vmm, iofd-dump, iofd-bench, the fuzzers, man pages),
# then lintian on them.
#
# Usage: scripts/deb.sh [--out DIR] [--no-lintian]
#   DIR (default build/deb) receives the .dsc, .tar.xz, .debs, .changes,
#   .buildinfo and lintian.log. The source tree is a copy of what git
#   tracks (bench/ left out) plus debian/ from scripts/packaging/debian/
#   and a VERSION file (scripts/version.sh); the package is native,
#   versioned like the modules (MODULE_VERSION).
# Needs: dpkg-dev debhelper dh-dkms scdoc lintian fakeroot (installed with
# apt when missing).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$IOFD_ROOT/build/deb
lint=1
while (($#)); do
	case $1 in
	--out) out=${2:?}; shift 2 ;;
	--no-lintian) lint=0; shift ;;
	*) iofd_die "unknown argument $1 (see the header of $0)" ;;
	esac
done

need=()
for p in dpkg-dev debhelper dh-dkms scdoc lintian fakeroot dkms; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || need+=("$p")
done
if ((${#need[@]})); then
	iofd_log "installing ${need[*]} (apt)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${need[@]}" >/dev/null || iofd_die "apt-get install ${need[*]} failed"
fi

version=$(sh "$IOFD_ROOT/scripts/version.sh")
src=$out/iofd-$version
rm -rf "$out"
mkdir -p "$src"
# What git tracks (and untracked files not ignored), minus the bench
# results: the source package is the project, not its measurements.
(cd "$IOFD_ROOT" && git ls-files -co --exclude-standard -z | grep -zv '^bench/' |
	cpio -0 -pdm --quiet "$src")
printf '%s\n' "$version" >"$src/VERSION"
cp -r "$IOFD_ROOT/scripts/packaging/debian" "$src/debian"
cat >"$src/debian/changelog" <<EOF
iofd ($version) unstable; urgency=medium

  * Built from the iofd-oot tree by make deb (scripts/deb.sh).

 -- iofd-oot developers <iofd-oot@example.org>  $(date -R)
EOF

iofd_log "building iofd $version in $src"
(cd "$src" && dpkg-buildpackage -us -uc -rfakeroot) >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; iofd_die "dpkg-buildpackage failed (log: $out/build.log)"; }
ls -1 "$out"/*.deb "$out"/*.dsc

if ((lint)); then
	# Errors and warnings fail; the tags we accept are overridden in
	# debian/*.lintian-overrides with the reason next to each.
	if lintian --fail-on error,warning --info "$out"/*.changes >"$out/lintian.log" 2>&1; then
		iofd_log "lintian: clean (errors and warnings; log $out/lintian.log)"
	else
		cat "$out/lintian.log" >&2
		iofd_die "lintian found errors or warnings"
	fi
fi
