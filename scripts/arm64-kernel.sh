#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch the arm64 guest of `make check`: Debian's own arm64 6.1 kernel image,
# its modules and headers, and busybox-static:arm64, unpacked into the cache.
# Nothing is installed: the packages are downloaded with `apt-get download`
# (multiarch) and unpacked with `dpkg-deb -x`.
#
# Usage:
#   scripts/arm64-kernel.sh [--force]
#   scripts/arm64-kernel.sh --print-kdir|--print-image|--print-modroot
#                           |--print-release|--print-busybox|--print-abi
#
#   (no option)      fetch and unpack unless the cache is current (then only
#                    a stat and a dpkg-query); prints the image path
#   --force          fetch and unpack again
#   --print-kdir     the arm64 headers, usable as KDIR with ARCH=arm64
#                    CROSS_COMPILE=aarch64-linux-gnu-
#   --print-image    the kernel Image (QEMU -kernel)
#   --print-modroot  the root of the unpacked packages: the kernel's own
#                    modules are in <modroot>/lib/modules/<release>/
#   --print-release  the kernel release (uname -r in the guest)
#   --print-busybox  the static arm64 busybox
#   --print-abi      the ABI (e.g. 6.1.0-56)
#   The --print-* options fail (status 1) when nothing is fetched yet.
#
# Which ABI: the one of the installed amd64 kernel (scripts/lib.sh kabi), so
# that both guests run the same Debian kernel source. Should the archive no
# longer carry that ABI for arm64 (a security update replaced it and the
# amd64 kernel was not upgraded), the ABI linux-image-arm64:arm64 depends on
# is taken instead, with a warning.
#
# Why not `apt-get install` the arm64 headers: linux-headers-*-arm64:arm64
# depends on gcc-12:arm64, which conflicts with the amd64 compiler; apt would
# remove the cross compiler (and build-essential) to install it.
#
# Packages (all version <ver> of the arm64 image):
#   linux-image-<abi>-arm64:arm64    /boot/vmlinuz-*, /lib/modules/<release>
#   linux-headers-<abi>-arm64:arm64  the arm64 part of the headers; its
#                                    Makefile includes the -common one by an
#                                    absolute path, rewritten to the cache
#   linux-headers-<abi>-common       (all) the arch-independent headers
#   linux-kbuild-6.1:amd64           fixdep, modpost, ... that run on this
#                                    host (the headers' scripts/ symlink
#                                    points at ../../lib/linux-kbuild-6.1,
#                                    which resolves inside the cache)
#   busybox-static:arm64             /bin/busybox of the guest
#
# Layout under ${IOFD_CACHE:-$HOME/.cache/iofd-oot}/arm64/:
#   root/       the unpacked packages (+ modules.dep made by depmod)
#   stamp       what root/ was made from; root/ is current when it matches
#
# Needs root the first time (dpkg --add-architecture arm64, apt-get update
# when the arm64 package lists are missing). Environment: IOFD_CACHE,
# IOFD_KABI (as scripts/lib.sh).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when this script changes what ends up in root/.
RECIPE=1

top=$(iofd_cache_dir)/arm64
root=$top/root
stamp_file=$top/stamp

force=0
print=""
while (($#)); do
	case $1 in
	--force) force=1 ;;
	--print-kdir | --print-image | --print-modroot | --print-release | \
		--print-busybox | --print-abi)
		print=${1#--print-} ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
		exit 0
		;;
	*) iofd_die "unknown argument $1 (see --help)" ;;
	esac
	shift
done

# stamp_field NAME: a "NAME value" line of the stamp.
stamp_field() {
	sed -n "s/^$1 //p" "$stamp_file" 2>/dev/null
}

# ------------------------------------------------------------ --print-* --
if [[ -n $print ]]; then
	abi=$(stamp_field abi)
	[[ -n $abi && -d $root ]] || iofd_die "arm64 kernel not fetched yet (run $0)"
	case $print in
	kdir) printf '%s\n' "$root/usr/src/linux-headers-$abi-arm64" ;;
	image) printf '%s\n' "$root/boot/vmlinuz-$abi-arm64" ;;
	modroot) printf '%s\n' "$root" ;;
	release) printf '%s\n' "$abi-arm64" ;;
	busybox) printf '%s\n' "$root/bin/busybox" ;;
	abi) printf '%s\n' "$abi" ;;
	esac
	exit 0
fi

# The ABI we want: the amd64 one. Resolved before anything else, and part
# of the stamp, so an upgraded amd64 kernel brings its arm64 twin.
want=$(iofd_kabi) || iofd_die "cannot resolve the amd64 kernel ABI (run scripts/deps.sh)"

# complete: the stamp matches and every file we hand out is there.
complete() {
	local abi
	[[ $(stamp_field recipe) == "$RECIPE" && $(stamp_field want) == "$want" ]] || return 1
	abi=$(stamp_field abi)
	[[ -n $abi && -f $root/boot/vmlinuz-$abi-arm64 &&
		-f $root/usr/src/linux-headers-$abi-arm64/Module.symvers &&
		-f $root/lib/modules/$abi-arm64/modules.dep && -x $root/bin/busybox ]]
}

if ((!force)) && complete; then
	printf '%s\n' "$root/boot/vmlinuz-$(stamp_field abi)-arm64"
	exit 0
fi

mkdir -p "$top"
# One fetch at a time per cache (a second caller waits, then finds the
# stamp current and returns at once).
exec 9>"$top/lock"
if ! flock -n 9; then
	iofd_log "waiting for another arm64-kernel.sh on $top"
	flock 9
fi
if ((!force)) && complete; then
	printf '%s\n' "$root/boot/vmlinuz-$(stamp_field abi)-arm64"
	exit 0
fi

start=$(iofd_now)
export DEBIAN_FRONTEND=noninteractive

# ------------------------------------------------------------ apt setup --
# arm64 as a foreign architecture makes apt read the arm64 package lists;
# it installs nothing by itself.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[[ $(id -u) == 0 ]] || iofd_die "run as root once: dpkg --add-architecture arm64 && apt-get update"
	iofd_log "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
fi

arm64_lists_present() {
	compgen -G '/var/lib/apt/lists/*_binary-arm64_Packages*' >/dev/null
}

apt_update() {
	[[ $(id -u) == 0 ]] || iofd_die "the arm64 package lists are missing or stale: run apt-get update as root"
	iofd_log "apt-get update (arm64 package lists)"
	# A failing third-party source must not stop us: what counts is
	# whether the packages we need are known afterwards.
	apt-get update -q </dev/null >&2 || iofd_warn "apt-get update reported errors"
}

# known PKG: apt has a candidate for PKG ("pkg:arch" or "pkg=version").
known() {
	[[ -n $(apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p') ]]
}

# meta_abi: the ABI the arm64 metapackage depends on now.
meta_abi() {
	apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\([0-9][0-9.]*-[0-9]*\)-arm64\(:arm64\)\{0,1\}$/\1/p' |
		head -n1
}

arm64_lists_present || apt_update
# Lists older than the installed amd64 kernel know no arm64 package of its
# ABI: refresh once.
known "linux-image-$want-arm64:arm64" || apt_update
abi=$want
if ! known "linux-image-$want-arm64:arm64"; then
	abi=$(meta_abi)
	[[ -n $abi ]] || iofd_die "apt knows no linux-image-arm64:arm64 (arm64 package lists missing?)"
	iofd_warn "the archive has no linux-image-$want-arm64:arm64 (the amd64 kernel's ABI);" \
		"using $abi, the ABI of linux-image-arm64:arm64. Upgrade linux-image-amd64" \
		"and linux-headers-amd64 to test the same kernel on both guests."
fi
release=$abi-arm64

# The version of the image; headers and kbuild must be the same build.
ver=$(apt-cache show --no-all-versions "linux-image-$release:arm64" | sed -n 's/^Version: //p' | head -n1)
[[ -n $ver ]] || iofd_die "no version for linux-image-$release:arm64"
pkgs=(
	"linux-image-$release:arm64=$ver"
	"linux-headers-$release:arm64=$ver"
	"linux-headers-$abi-common=$ver"
	"linux-kbuild-6.1:amd64=$ver"
	busybox-static:arm64
)
for p in "${pkgs[@]}"; do
	known "$p" || iofd_die "apt has no $p (apt-get update?)"
done

# ------------------------------------------------------- download, unpack --
# Into a fresh directory renamed into place at the end, so an interrupted
# run never leaves a root/ that looks complete.
tmp=$(mktemp -d "$top/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debs" "$tmp/root"
iofd_log "downloading ${pkgs[*]}"
# APT::Sandbox::User=root: as root apt would drop to _apt for the download
# and warn that _apt cannot write into our directory.
(cd "$tmp/debs" && apt-get download -q -o APT::Sandbox::User=root "${pkgs[@]}" </dev/null >&2) ||
	iofd_die "apt-get download failed"
for deb in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$tmp/root"
done

kdir=$tmp/root/usr/src/linux-headers-$release
common=$root/usr/src/linux-headers-$abi-common
[[ -f $kdir/Makefile && -f $tmp/root/usr/src/linux-headers-$abi-common/Makefile ]] ||
	iofd_die "unexpected layout of the headers packages"
# The only absolute path in the headers: "include /usr/src/...-common/Makefile".
# It must name the final place (root/), not this temporary one.
printf '# Rewritten by scripts/arm64-kernel.sh: the -common headers are in the cache.\ninclude %s/Makefile\n' \
	"$common" >"$kdir/Makefile"
[[ -e $kdir/scripts/basic/fixdep ]] || iofd_die "$kdir/scripts does not reach the amd64 linux-kbuild-6.1"
[[ -f $tmp/root/boot/vmlinuz-$release && -x $tmp/root/bin/busybox ]] ||
	iofd_die "unexpected layout of the image or busybox package"

# modules.dep is made by the package's postinst, which we do not run;
# mkinitramfs.sh needs it for modprobe --show-depends (virtio_console ...).
depmod -b "$tmp/root" "$release" || iofd_die "depmod for $release failed"

rm -rf "$tmp/debs" "$root"
mv -T "$tmp/root" "$root"
printf 'recipe %s\nwant %s\nabi %s\nversion %s\n' "$RECIPE" "$want" "$abi" "$ver" >"$stamp_file"
iofd_log "arm64 kernel $release ($ver) in $root, $(iofd_elapsed "$start") s"
printf '%s\n' "$root/boot/vmlinuz-$release"
