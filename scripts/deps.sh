#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure everything the build and the tests need is installed, that
# linux-source-6.1 is unpacked in the cache (checkpatch.pl, kunit.py on UML)
# and that Debian's arm64 kernel, headers and busybox are unpacked there too
# (scripts/arm64-kernel.sh: downloaded, never installed).
#
# Every Makefile target runs this first, so the common case must be fast: one
# dpkg-query for all packages and a stat of the unpacked tree. apt-get is only
# called when something is missing, and `apt-get update` only when the package
# lists are absent or an install failed (stale lists).
#
# Usage: scripts/deps.sh
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Why each group is here:
#  - build-essential gcc make libc6-dev: modules, static selftests and tools
#  - linux-headers-amd64 linux-image-amd64: the Debian 6.1 kernel we build
#    against and boot in the guest (ABI resolved from these metapackages)
#  - linux-source-6.1: checkpatch.pl and kunit.py (UML build)
#  - bc flex bison libelf-dev libssl-dev: kernel build (UML KUnit, objtool)
#  - qemu-system-x86 busybox-static cpio gzip kmod: guest image and boot
#    (kmod: modinfo/modprobe --show-depends to pull in-kernel module deps)
#  - sparse: `make sparse`; python3: the KTAP parser and kunit.py
#  - xz-utils: unpacking linux-source; perl: checkpatch.pl
#  - dkms scdoc man-db: the DKMS and man page checks of make check (packaging)
#  - gcc-aarch64-linux-gnu libc6-dev-arm64-cross: the arm64 guest's modules
#    (cross kbuild) and static selftests/tools; qemu-system-arm: its QEMU
#    (qemu-system-aarch64)
PACKAGES=(
	build-essential gcc make libc6-dev
	linux-headers-amd64 linux-image-amd64 linux-source-6.1
	bc flex bison libelf-dev libssl-dev
	qemu-system-x86 busybox-static cpio gzip kmod
	sparse python3 xz-utils perl dkms scdoc man-db
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
)

# missing_packages: print the packages from PACKAGES that are not fully
# installed ("ii"). dpkg-query exits non-zero for unknown packages; that is
# the same as "missing" for us.
missing_packages() {
	local status
	status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
	local p
	for p in "${PACKAGES[@]}"; do
		# Match "pkg ii " exactly; arch-qualified names print without ":arch".
		if ! grep -qE "^${p//+/\\+} ii " <<<"$status"; then
			printf '%s\n' "$p"
		fi
	done
}

# apt_lists_present: true if `apt-get update` has ever run on this machine
# (a fresh container has an empty /var/lib/apt/lists).
apt_lists_present() {
	compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null ||
		compgen -G '/var/lib/apt/lists/*_Packages.*' >/dev/null
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null
}

install_missing() {
	local -a missing
	mapfile -t missing < <(missing_packages)
	((${#missing[@]} == 0)) && return 0

	[[ $(id -u) == 0 ]] || iofd_die "missing packages (${missing[*]}) and not root: install them first"
	iofd_log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt_lists_present; then
		iofd_log "apt lists are empty: apt-get update"
		apt-get update -q </dev/null
	fi
	if ! apt_install "${missing[@]}"; then
		# Typical cause: stale lists pointing at versions the mirror no
		# longer has. Refresh once and retry.
		iofd_log "install failed; apt-get update and retry"
		apt-get update -q </dev/null
		apt_install "${missing[@]}"
	fi
	mapfile -t missing < <(missing_packages)
	((${#missing[@]} == 0)) || iofd_die "still missing after apt-get: ${missing[*]}"
}

# unpack_linux_source: the Debian package only ships a tarball. Unpack into a
# temporary directory and rename, so an interrupted unpack is never mistaken
# for a complete tree.
unpack_linux_source() {
	local dst tarball tmp
	dst=$(iofd_linux_src)
	# Makefile + checkpatch + kunit.py present = a complete tree.
	if [[ -f $dst/Makefile && -f $dst/scripts/checkpatch.pl && -f $dst/tools/testing/kunit/kunit.py ]]; then
		return 0
	fi
	tarball=$(compgen -G '/usr/src/linux-source-6.1.tar.*' | head -n1 || true)
	[[ -n $tarball ]] || iofd_die "linux-source-6.1 tarball not found in /usr/src"
	mkdir -p "$(dirname "$dst")"
	tmp=$(mktemp -d "$(dirname "$dst")/.unpack.XXXXXX")
	iofd_log "unpacking $tarball into $dst"
	tar -C "$tmp" -xf "$tarball"
	[[ -d $tmp/linux-source-6.1 ]] || iofd_die "unexpected layout in $tarball"
	rm -rf "$dst"
	mv "$tmp/linux-source-6.1" "$dst"
	rmdir "$tmp"
}

# check_kernel: the guest kernel and the headers must exist and match.
check_kernel() {
	local kdir vmlinuz
	kdir=$(iofd_kdir) || iofd_die "cannot resolve the kernel ABI"
	vmlinuz=$(iofd_vmlinuz) || iofd_die "cannot resolve the guest kernel"
	[[ -f $kdir/Makefile ]] || iofd_die "kernel headers not found at $kdir"
	[[ -r $vmlinuz ]] || iofd_die "guest kernel not found at $vmlinuz"
}

# fetch_arm64_kernel: the arm64 guest's kernel, headers and busybox (a
# stat and a dpkg-query when they are current). A failure (not root the
# first time, no arm64 packages on the mirror) is only a warning here, so
# x86 work goes on; check.sh's "arm64 kernel" step fails with the reason.
fetch_arm64_kernel() {
	bash "$IOFD_ROOT/scripts/arm64-kernel.sh" >/dev/null ||
		iofd_warn "cannot fetch the arm64 guest kernel (scripts/arm64-kernel.sh): the arm64 guest will fail"
}

main() {
	install_missing
	unpack_linux_source
	check_kernel
	fetch_arm64_kernel
}

main "$@"
