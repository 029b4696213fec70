#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug guest kernel for `make check-debug`: x86_64 6.1 from
# Debian's linux-source-6.1 with KASAN, KFENCE, UBSAN, kmemleak, lockdep,
# debug objects and fault injection (scripts/debug-kernel.config), booted by
# scripts/run-guest-x86.sh with IOFD_KERNEL=<image>.
#
# Usage:
#   scripts/build-debug-kernel.sh [--force] [--config-only]
#   scripts/build-debug-kernel.sh --print-kdir|--print-image|--print-modroot
#                                 |--print-release
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
# Layout under ${IOFD_CACHE:-$HOME/.cache/iofd-oot}/debug-kernel/:
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
# IOFD_DEBUG_KERNEL_FRAGMENT (default scripts/debug-kernel.config).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The defconfig the fragment is applied to. Part of the stamp.
BASE_DEFCONFIG=x86_64_defconfig
# Bump when this script changes in a way that changes the built kernel
# (not needed for fragment edits: the fragment is hashed).
RECIPE=1

pristine=$(iofd_linux_src)
fragment=${IOFD_DEBUG_KERNEL_FRAGMENT:-$IOFD_ROOT/scripts/debug-kernel.config}
patch_dir=$IOFD_ROOT/scripts/debug-kernel-patches
jobs=${IOFD_DEBUG_KERNEL_JOBS:-2}
top=$(iofd_cache_dir)/debug-kernel
src=$top/src
build=$top/build
image=$top/bzImage
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
	printf 'recipe %s\nbase %s\n%s\nfragment %s\ncompiler %s\n' \
		"$RECIPE" "$BASE_DEFCONFIG" "$want_tree" \
		"$(sha256sum <"$fragment" | cut -d' ' -f1)" \
		"$(gcc --version | head -n1)"
}

[[ -f $pristine/Makefile ]] ||
	iofd_die "no kernel source at $pristine (scripts/deps.sh unpacks linux-source-6.1)"
[[ -f $fragment ]] || iofd_die "config fragment $fragment not found"
# What a kernel build needs beyond scripts/deps.sh's list (patch is not in
# it: only this script applies patches).
for tool in make gcc patch flock; do
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
	nice -n 19 make -C "$src" O="$build" "$@" >>"$log" 2>&1
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
	"$build/.config" "$fragment") >>"$log" 2>&1 || fail "merge_config.sh"
kmake olddefconfig || fail "make olddefconfig"

# Verify: every line of the fragment must be in the final .config as
# written. olddefconfig silently drops what has unmet dependencies, and a
# dropped KASAN or lockdep would make check-debug a plain check.
verify_config() {
	local cfg=$1 line sym val got bad=0
	while IFS= read -r line; do
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
			bad=1
		fi
	done <"$fragment"
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
	iofd_die "the final .config does not honour $fragment (see above); fix the fragment"
iofd_log "config verified: every line of $(basename "$fragment") holds"
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

built=$(make -s -C "$src" O="$build" image_name)
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
