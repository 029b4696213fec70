#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug guest kernels for `make check-debug`: 6.1 from Debian's
# linux-source-6.1 with KASAN, KFENCE, UBSAN, kmemleak, lockdep, debug
# objects and fault injection (scripts/debug-kernel.config), for x86_64
# (x86_64_defconfig + debug-kernel-x86_64.config, booted by
# scripts/run-guest-x86.sh with IOFD_KERNEL=<image>) or arm64 (allnoconfig
# + debug-kernel-arm64.config, cross-compiled, booted by
# scripts/run-guest-arm64.sh with IOFD_ARM64_KERNEL=<image>).
#
# Usage:
#   scripts/build-debug-kernel.sh [--arch x86_64|arm64] [--force] [--config-only]
#   scripts/build-debug-kernel.sh [--arch A] --print-kdir|--print-image
#                                 |--print-modroot|--print-release
#
#   (no option)      build if the fragment, the patches or the kernel source
#                    changed since the last build, otherwise do nothing;
#                    prints the image path on stdout
#   --force          rebuild (incrementally) even if the stamp matches
#   --config-only    stop after writing and verifying the .config (the next
#                    plain run then rebuilds, incrementally)
#   --print-kdir     the prepared kernel build tree, usable as KDIR for
#                    out-of-tree modules: make -C "$KDIR" M=$PWD modules
#   --print-image    the bzImage (for IOFD_KERNEL=)
#   --print-modroot  INSTALL_MOD_PATH of the kernel's own modules (vfio,
#                    kunit...): <modroot>/lib/modules/<release>/
#   --print-release  the kernel release (uname -r in the guest)
#   The --print-* options fail (status 1) when nothing is built yet, and
#   warn on stderr when the build is stale (fragment, patches or source
#   changed).
#
# Layout under ${IOFD_CACHE:-$HOME/.cache/iofd-oot}/debug-kernel/ (x86_64;
# arm64: debug-kernel-arm64/):
#   src/        hard-link copy of the pristine source with the patches of
#               scripts/debug-kernel-patches/ applied (a patched file is a
#               new file, never a write through a hard link)
#   build/      O= build tree = KDIR (full build, so Module.symvers is there)
#   bzImage     copy of the image from the last successful build
#   config      copy of its .config
#   modroot/    modules_install of its modules (stripped)
#   stamp       what the build was made from (fragment hash, source version,
#               patches, compiler); a build is current when this matches
#   build.log   output of the last configure + build
# The pristine source ($IOFD_CACHE/linux-source-6.1, see scripts/deps.sh) is
# only read. A new source or a change in the patch set remakes src/ and
# starts build/ from scratch; a fragment change rebuilds incrementally.
#
# Environment: IOFD_CACHE, IOFD_LINUX_SRC (source tree),
# IOFD_DEBUG_KERNEL_JOBS (make -j, default 2: the machine is shared),
# IOFD_DEBUG_ARCH (default x86_64, as --arch).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when this script changes in a way that changes the built kernel
# (not needed for fragment edits: the fragments are hashed).
RECIPE=2

arch=${IOFD_DEBUG_ARCH:-x86_64}
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	if [[ ${args[i]} == --arch ]]; then arch=${args[i + 1]:-}; fi
done
pristine=$(iofd_linux_src)
patch_dir=$IOFD_ROOT/scripts/debug-kernel-patches
jobs=${IOFD_DEBUG_KERNEL_JOBS:-2}
# The defconfig the fragments are applied to (part of the stamp), the
# fragments (this architecture's, then the common one), make's arguments.
case $arch in
x86_64)
	BASE_DEFCONFIG=x86_64_defconfig
	top=$(iofd_cache_dir)/debug-kernel
	cross=()
	cc=gcc
	;;
arm64)
	BASE_DEFCONFIG=allnoconfig
	top=$(iofd_cache_dir)/debug-kernel-arm64
	cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	cc=aarch64-linux-gnu-gcc
	;;
*) iofd_die "--arch must be x86_64 or arm64, not '$arch'" ;;
esac
fragments=("$IOFD_ROOT/scripts/debug-kernel-$arch.config"
	"$IOFD_ROOT/scripts/debug-kernel.config")
src=$top/src
build=$top/build
# The boot image (image_name: bzImage on x86_64, Image.gz on arm64)
if [[ $arch == arm64 ]]; then image=$top/Image.gz; else image=$top/bzImage; fi
config_copy=$top/config
modroot=$top/modroot
stamp_file=$top/stamp
log=$top/build.log

force=0
config_only=0
print=""
while (($#)); do
	case $1 in
	--force) force=1 ;;
	--arch) shift ;;
	--config-only) config_only=1 ;;
	--print-kdir | --print-image | --print-modroot | --print-release)
		print=${1#--print-} ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
		exit 0
		;;
	*) iofd_die "unknown argument $1 (see --help)" ;;
	esac
	shift
done

# Our patches to the kernel, in the order they are applied.
patches=()
for p in "$patch_dir"/*.patch; do
	if [[ -f $p ]]; then patches+=("$p"); fi
done

# tree_id: what the source tree is made of. The Debian package version
# covers Debian's patches; kernelversion covers a tree unpacked by other
# means; then our own patches, by content. A new tree id means a new src/
# and a clean build (see below).
tree_id() {
	local pkg ver p
	pkg=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo none)
	ver=$(make -s -C "$pristine" kernelversion 2>/dev/null) ||
		iofd_die "cannot read the kernel version of $pristine"
	printf 'linux-source-6.1 %s, kernel %s\n' "$pkg" "$ver"
	for p in "${patches[@]}"; do
		printf 'patch %s %s\n' "$(basename "$p")" "$(sha256sum <"$p" | cut -d' ' -f1)"
	done
}

# stamp: everything the build result depends on ($want_tree: see below).
stamp() {
	local f
	printf 'recipe %s\narch %s\nbase %s\n%s\ncompiler %s\n' \
		"$RECIPE" "$arch" "$BASE_DEFCONFIG" "$want_tree" \
		"$("$cc" --version | head -n1)"
	for f in "${fragments[@]}"; do
		printf 'fragment %s %s\n' "$(basename "$f")" \
			"$(sha256sum <"$f" | cut -d' ' -f1)"
	done
}

[[ -f $pristine/Makefile ]] ||
	iofd_die "no kernel source at $pristine (scripts/deps.sh unpacks linux-source-6.1)"
for f in "${fragments[@]}"; do
	[[ -f $f ]] || iofd_die "config fragment $f not found"
done
# What a kernel build needs beyond scripts/deps.sh's list (patch is not in
# it: only this script applies patches).
for tool in make gcc "$cc" patch flock; do
	command -v "$tool" >/dev/null || iofd_die "$tool missing (apt-get install $tool)"
done
# Computed once here, as an assignment, so that a failure stops the script
# (inside stamp's printf arguments it would be ignored).
want_tree=$(tree_id)

# ------------------------------------------------------------ --print-* --
if [[ -n $print ]]; then
	case $print in
	kdir) path=$build; what=$build/Module.symvers ;;
	image) path=$image; what=$image ;;
	modroot) path=$modroot; what=$modroot/lib/modules ;;
	release) path=""; what=$build/include/config/kernel.release ;;
	esac
	[[ -e $what ]] || iofd_die "debug kernel not built yet (run $0)"
	if [[ $(cat "$stamp_file" 2>/dev/null) != "$(stamp)" ]]; then
		iofd_warn "debug kernel in $top is stale (fragment, patches or source changed); run $0"
	fi
	if [[ $print == release ]]; then
		cat "$what"
	else
		printf '%s\n' "$path"
	fi
	exit 0
fi

mkdir -p "$top"
# One build at a time per cache (a second caller waits, then finds the
# stamp current and returns at once).
exec 9>"$top/lock"
if ! flock -n 9; then
	iofd_log "waiting for another build-debug-kernel.sh on $top"
	flock 9
fi

want=$(stamp)
if ((!force && !config_only)) && [[ -f $image && -f $build/Module.symvers &&
	$(cat "$stamp_file" 2>/dev/null) == "$want" ]]; then
	iofd_log "debug kernel is current: $image"
	printf '%s\n' "$image"
	exit 0
fi

# The stamp is rewritten only after a complete build.
rm -f "$stamp_file"

# ------------------------------------------------------------ src tree --
# A different tree (package upgrade, patch added/changed/removed) gets a
# new src/ and a clean build/: tar keeps the files' original mtimes, and a
# dropped patch brings back the pristine file with its old mtime, either of
# which may be older than our objects, so make would not rebuild them.
if [[ $(cat "$src/.iofd-tree" 2>/dev/null) != "$want_tree" ]]; then
	iofd_log "(re)creating $src from $pristine with ${#patches[@]} patch(es)"
	rm -rf "$src" "$src.new" "$build"
	# Hard links: a second or so, no space. A plain copy if the cache spans
	# file systems.
	cp -al "$pristine" "$src.new" 2>/dev/null ||
		{ rm -rf "$src.new"; cp -a "$pristine" "$src.new"; }
	# kbuild refuses O= builds from a source tree that was configured in
	# place; the pristine tree never should be.
	[[ ! -e $src.new/.config && ! -d $src.new/include/config ]] ||
		iofd_die "$pristine has been configured in place; make mrproper there first"
	for p in "${patches[@]}"; do
		# Replace each file the patch touches by a private copy first, so
		# that patch cannot write through a hard link into the pristine tree.
		while IFS= read -r f; do
			[[ -f $src.new/$f ]] || continue
			cp "$src.new/$f" "$src.new/$f.iofd-copy"
			mv -f "$src.new/$f.iofd-copy" "$src.new/$f"
		done < <(sed -n 's#^+++ b/\([^[:space:]]*\).*#\1#p' "$p")
		patch -d "$src.new" -p1 --forward --no-backup-if-mismatch -s <"$p" ||
			iofd_die "patch $(basename "$p") does not apply to $pristine"
	done
	printf '%s\n' "$want_tree" >"$src.new/.iofd-tree"
	mv -T "$src.new" "$src"
fi
mkdir -p "$build"

: >"$log"
start=$(iofd_now)
iofd_log "configuring in $build (log $log)"

# All make invocations: O= keeps the source tree untouched; nice so the
# other users of this machine are not starved.
kmake() {
	nice -n 19 make -C "$src" O="$build" "${cross[@]}" "$@" >>"$log" 2>&1
}

fail() {
	iofd_log "FAILED: $*; end of $log:"
	{ grep -E 'error:|Error [0-9]|ERROR|\*\*\*' "$log" || tail -n 30 "$log"; } |
		tail -n 30 | sed 's/^/[iofd]   | /' >&2
	exit 1
}

# --------------------------------------------------------------- config --
# Regenerate .config from scratch every time (defconfig + fragment +
# olddefconfig): the result depends only on the inputs, never on a stale
# .config. kbuild's syncconfig then touches only what really changed, so the
# build stays incremental.
kmake "$BASE_DEFCONFIG" || fail "make $BASE_DEFCONFIG"
# -m: merge only; olddefconfig is run by us, against O=.
(cd "$build" && bash "$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
	"$build/.config" "${fragments[@]}") >>"$log" 2>&1 || fail "merge_config.sh"
kmake olddefconfig || fail "make olddefconfig"

# Verify: every line of the fragment must be in the final .config as
# written. olddefconfig silently drops what has unmet dependencies, and a
# dropped KASAN or lockdep would make check-debug a plain check.
verify_config() {
	local cfg=$1 line sym val got bad=0
	cat "${fragments[@]}" | while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]}
			val=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]}
			val=n
		else
			continue
		fi
		got=$(grep -E "^$sym=" "$cfg" | cut -d= -f2- || true)
		[[ -n $got ]] || got=n
		if [[ $got != "$val" ]]; then
			iofd_warn "$sym: fragment wants $val, final .config has $got"
			echo bad
		fi
	done | grep -q bad && bad=1
	# Hidden symbols that cannot be in the fragment (nothing can set them
	# directly) but that our modules need: iofd.ko links against the
	# interval tree library, which exists only when something selects it.
	for sym in CONFIG_INTERVAL_TREE CONFIG_IOMMU_API CONFIG_MMU_NOTIFIER; do
		if ! grep -qx "$sym=y" "$cfg"; then
			iofd_warn "$sym is not =y in the final .config (nothing selects it any more)"
			bad=1
		fi
	done
	return "$bad"
}
verify_config "$build/.config" ||
	iofd_die "the final .config does not honour the fragments (see above); fix them"
iofd_log "config verified: every line of ${fragments[*]##*/} holds"
if ((config_only)); then
	printf '%s\n' "$build/.config"
	exit 0
fi

# ---------------------------------------------------------------- build --
iofd_log "building with nice -n 19 make -j$jobs (load: $(cut -d' ' -f1-3 /proc/loadavg))"
# `all` = vmlinux + bzImage + modules: the full build leaves Module.symvers
# and everything modules_prepare would make, so M= builds work against it.
kmake -j"$jobs" all || fail "kernel build"
kmake modules_prepare || fail "make modules_prepare"
# The kernel's own modules (vfio, vfio-pci, kunit...) with depmod data, for
# an initramfs that wants them. Stripped: the guest only needs them loadable.
rm -rf "$modroot"
kmake INSTALL_MOD_PATH="$modroot" INSTALL_MOD_STRIP=1 modules_install ||
	fail "make modules_install"
# The installed tree's build/source links would point at our cache; they
# are not needed in the guest.
rm -f "$modroot"/lib/modules/*/build "$modroot"/lib/modules/*/source

built=$(make -s -C "$src" O="$build" "${cross[@]}" image_name)
cp "$build/$built" "$image.tmp"
mv "$image.tmp" "$image"
cp "$build/.config" "$config_copy"
printf '%s\n' "$want" >"$stamp_file.tmp"
mv "$stamp_file.tmp" "$stamp_file"

release=$(cat "$build/include/config/kernel.release")
iofd_log "debug kernel $release built in $(iofd_elapsed "$start") s:" \
	"$image ($(du -k "$image" | cut -f1) KiB)"
iofd_log "KDIR=$build  (make -C $build M=\$PWD modules)"
printf '%s\n' "$image"
