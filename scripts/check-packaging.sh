#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-packaging`: the README's install section, run for real on
# this (Debian 12) host as root: it installs and removes packages and
# DKMS modules of the host, and leaves the host as it found it.
#
#   1. make dkms-install: DKMS builds and installs the modules for the
#      installed 6.1 kernel; make dkms-remove: nothing left behind
#   2. make deb: source + binary packages, lintian clean (scripts/deb.sh)
#   3. apt-get install ./iofd-dkms_*.deb ./iofd-tools_*.deb: DKMS builds
#      the modules, modinfo shows the package's version, the udev rule,
#      modprobe.d snippet and man pages are there (man iofd-vmm, man 4 iofd)
#   4. apt-get purge: no DKMS tree, source, module, config or man page left
# One "ok - ..." / "not ok - ...: why" line per check, then the closing
# line "N passed, N failed"; exit status 1 on any failure. The host never
# loads the modules.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) == 0 ]] || iofd_die "run as root (it installs packages)"
pass=0
fail=0
ok() {
	echo "ok - $1"
	pass=$((pass + 1))
}
notok() {
	echo "not ok - $1: $2"
	fail=$((fail + 1))
}
# check NAME CMD...: ok when CMD succeeds
check() {
	local name=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		notok "$name" "$(tail -n 5 <<<"$out" | tr '\n' ' ')"
	fi
}

version=$(sh "$IOFD_ROOT/scripts/version.sh")
kver=$(iofd_kabi)-amd64
[[ $(dpkg --print-architecture) == arm64 ]] && kver=$(iofd_kabi)-arm64
log=$(mktemp -d "${TMPDIR:-/tmp}/iofd-packaging.XXXXXX")

# leftovers NAME: what of iofd is still on the host (nothing = success)
leftovers() {
	{
		ls -d /var/lib/dkms/iofd /usr/src/iofd-* 2>/dev/null || true
		find /lib/modules -path '*/updates/dkms/iofd*.ko*' 2>/dev/null || true
		ls /etc/modprobe.d/iofd.conf /lib/udev/rules.d/60-iofd.rules \
			/usr/share/man/man4/iofd.4.gz /usr/share/man/man1/iofd-vmm.1.gz \
			/usr/bin/iofd-vmm 2>/dev/null || true
	} | tr '\n' ' '
}
nothing_left() {
	local left
	left=$(leftovers)
	[[ -z $left ]] || { echo "left behind: $left"; return 1; }
}

# A previous run that died half way: start clean.
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q iofd-dkms iofd-tools >/dev/null 2>&1 || true
if [[ -n $(leftovers) ]]; then
	bash "$IOFD_ROOT/scripts/dkms.sh" remove >/dev/null 2>&1 || true
fi
command -v dkms >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dkms >/dev/null

# --------------------------------------------------- 1. make dkms-install --
check "make dkms-install" make -s -C "$IOFD_ROOT" dkms-install
status=$(dkms status -m iofd -v "$version" -k "$kver" 2>&1 || true)
if grep -q ": installed" <<<"$status"; then
	ok "dkms status: installed for $kver"
else
	notok "dkms status: installed for $kver" "$status"
fi
ver=$(modinfo -k "$kver" -F version iofd 2>/dev/null || true)
if [[ $ver == "$version" ]]; then
	ok "modinfo -k $kver iofd: version $ver"
else
	notok "modinfo -k $kver iofd: version" "got '$ver', want '$version'"
fi
check "make dkms-remove" make -s -C "$IOFD_ROOT" dkms-remove
check "dkms-remove leaves nothing" nothing_left

# ------------------------------------------------------------ 2. make deb --
check "make deb (lintian clean)" bash "$IOFD_ROOT/scripts/deb.sh" --out "$log/deb"

# ----------------------------------------------------- 3. install the debs --
debs=("$log"/deb/iofd-dkms_*_all.deb "$log"/deb/iofd-tools_*_"$(dpkg --print-architecture)".deb)
if [[ -f ${debs[0]} && -f ${debs[1]} ]]; then
	check "apt-get install iofd-dkms iofd-tools" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${debs[@]}"
	status=$(dkms status -m iofd -v "$version" -k "$kver" 2>&1 || true)
	if grep -q ": installed" <<<"$status"; then
		ok "the package's DKMS build: installed for $kver"
	else
		notok "the package's DKMS build: installed for $kver" "$status"
	fi
	for m in iofd iofd_mock iofd_vtd; do
		[[ $kver == *-arm64 && $m == iofd_vtd ]] && m=iofd_smmuv3
		ver=$(modinfo -k "$kver" -F version "$m" 2>/dev/null || true)
		if [[ $ver == "$version" ]]; then
			ok "modinfo $m: version $ver"
		else
			notok "modinfo $m: version" "got '$ver', want '$version'"
		fi
	done
	desc=$(modinfo -k "$kver" -F parm iofd_mock 2>/dev/null || true)
	if [[ $desc == claim_pci:* ]]; then
		ok "modinfo iofd_mock: parameters described"
	else
		notok "modinfo iofd_mock: parameters described" "got '$desc'"
	fi
	check "man iofd-vmm" sh -c 'man -w iofd-vmm && man iofd-vmm | grep -q "walk through /dev/iommu"'
	check "man 4 iofd" sh -c 'man -w 4 iofd && man 4 iofd | grep -q "intel_iommu=off"'
	check "iofd-dump installed" test -x /usr/bin/iofd-dump
	check "udev rule installed" grep -q 'KERNEL=="iommu"' /lib/udev/rules.d/60-iofd.rules
	check "modprobe.d snippet installed" grep -q 'softdep iofd_vtd' /etc/modprobe.d/iofd.conf
	check "apt-get purge iofd-dkms iofd-tools" env DEBIAN_FRONTEND=noninteractive \
		apt-get purge -y -q iofd-dkms iofd-tools
	check "purge leaves nothing" nothing_left
else
	notok "the packages were built" "no .deb in $log/deb"
fi

rm -rf "$log"
echo "$pass passed, $fail failed"
((fail == 0))
