#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS for iofd-oot's modules (make dkms-install / dkms-remove / the DKMS
# check of make check).
#
# Usage:
#   scripts/dkms.sh stage DIR     copy the module sources (Kbuild, core/,
#                                 drivers/, include/, dkms.conf with the
#                                 version filled in, VERSION) into DIR
#   scripts/dkms.sh install       /usr/src/iofd-<version>, dkms add, build
#                                 and install for every installed 6.1
#                                 kernel that has its headers
#   scripts/dkms.sh remove        dkms remove --all, /usr/src/iofd-<version>
#   scripts/dkms.sh check         add / build / status / remove in private
#                                 DKMS trees (nothing of the host's DKMS or
#                                 /lib/modules is touched) against Debian's
#                                 installed 6.1 headers; one "ok"/"not ok"
#                                 line per step, status 1 on a failure
# The version is scripts/version.sh's (DKMS names the tree by it).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=$(sh "$IOFD_ROOT/scripts/version.sh")
name=iofd

# The files DKMS needs to build the modules, relative to the tree
module_sources() {
	# A git checkout of its own (a staged copy may sit inside another one)
	if [[ $(git -C "$IOFD_ROOT" rev-parse --show-toplevel 2>/dev/null) == "$IOFD_ROOT" ]]; then
		git -C "$IOFD_ROOT" ls-files -co --exclude-standard -- \
			Kbuild dkms.conf core drivers include scripts/version.sh
	else
		(cd "$IOFD_ROOT" && find Kbuild dkms.conf core drivers include \
			scripts/version.sh -type f ! -name '*.o' ! -name '*.ko' \
			! -name '*.cmd' ! -name '*.mod*' ! -name '.*')
	fi
}

stage() {
	local dst=$1 f
	rm -rf "$dst"
	mkdir -p "$dst"
	while IFS= read -r f; do
		[[ -f $IOFD_ROOT/$f ]] || continue
		mkdir -p "$dst/$(dirname "$f")"
		cp -p "$IOFD_ROOT/$f" "$dst/$f"
	done < <(module_sources)
	sed -i "s/#MODULE_VERSION#/$version/" "$dst/dkms.conf"
	printf '%s\n' "$version" >"$dst/VERSION"
}

# Kernel releases installed here whose headers DKMS can build against
kernels_61() {
	local d
	for d in /lib/modules/6.1.*; do
		[[ -e $d/build/Makefile ]] && basename "$d"
	done
	return 0
}

# ok NAME / notok NAME WHY: TAP-ish lines for check.sh's record
ok() { echo "ok - $1"; }
notok() {
	echo "not ok - $1: $2"
	failed=1
}

case ${1:-} in
stage)
	stage "${2:?stage needs a directory}"
	;;
install)
	command -v dkms >/dev/null || iofd_die "dkms is not installed (apt-get install dkms)"
	src=/usr/src/$name-$version
	stage "$src"
	dkms add -m "$name" -v "$version"
	mapfile -t kernels < <(kernels_61)
	((${#kernels[@]})) || iofd_die "no 6.1 kernel with headers installed (linux-headers-amd64)"
	for k in "${kernels[@]}"; do
		dkms install -m "$name" -v "$version" -k "$k"
	done
	dkms status -m "$name"
	;;
remove)
	command -v dkms >/dev/null || iofd_die "dkms is not installed"
	if dkms status -m "$name" -v "$version" | grep -q .; then
		dkms remove -m "$name" -v "$version" --all
	fi
	rm -rf "/usr/src/$name-$version"
	;;
check)
	failed=0
	if ! command -v dkms >/dev/null; then
		notok "dkms installed" "dkms missing (scripts/deps.sh installs it)"
		exit 1
	fi
	kver=$(iofd_kabi)-$( [[ $(uname -m) == aarch64 ]] && echo arm64 || echo amd64)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/iofd-dkms.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/dkms" "$tmp/src" "$tmp/install"
	stage "$tmp/src/$name-$version"
	d=(dkms --dkmstree "$tmp/dkms" --sourcetree "$tmp/src" --installtree "$tmp/install")
	log=$tmp/dkms.log
	if "${d[@]}" add -m "$name" -v "$version" >"$log" 2>&1; then
		ok "dkms add"
	else
		notok "dkms add" "$(tail -n 3 "$log" | tr '\n' ' ')"
	fi
	if "${d[@]}" build -m "$name" -v "$version" -k "$kver" >"$log" 2>&1; then
		ok "dkms build for $kver"
	else
		notok "dkms build for $kver" "$(grep -h -m3 -E 'error|Error' "$log" \
			"$tmp"/dkms/$name/"$version"/build/make.log 2>/dev/null | tr '\n' ' ')"
	fi
	status=$("${d[@]}" status -m "$name" -v "$version" -k "$kver" 2>&1 || true)
	if grep -q ": built$" <<<"$status"; then
		ok "dkms status says built"
	else
		notok "dkms status says built" "$status"
	fi
	mods=$(find "$tmp/dkms/$name/$version/$kver" -name '*.ko' -printf '%f ' 2>/dev/null || true)
	want="iofd.ko iofd_mock.ko"
	[[ $kver == *-amd64 ]] && want+=" iofd_vtd.ko"
	missing=""
	for m in $want; do [[ " $mods " == *" $m "* ]] || missing+=" $m"; done
	if [[ -z $missing ]]; then
		ok "dkms built every module"
	else
		notok "dkms built every module" "missing:$missing"
	fi
	if "${d[@]}" remove -m "$name" -v "$version" --all >"$log" 2>&1 &&
		[[ ! -e $tmp/dkms/$name ]] && [[ -z $(find "$tmp/install" -type f) ]]; then
		ok "dkms remove leaves nothing"
	else
		notok "dkms remove leaves nothing" \
			"$(find "$tmp/dkms" "$tmp/install" -mindepth 1 | head -n 5 | tr '\n' ' ')"
	fi
	exit "$failed"
	;;
*)
	iofd_die "usage: $0 stage DIR | install | remove | check"
	;;
esac
