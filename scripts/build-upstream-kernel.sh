#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the upstream-iommufd anchor kernel of `make bench`: Debian's
# linux-source-6.12 (installed from apt on first use), x86_64_defconfig +
# scripts/upstream-kernel-x86_64.config (IOMMUFD and IOMMUFD_TEST built in,
# no modules), into the cache. The same static iofd-bench then runs on it
# and on our modules (scripts/bench.sh).
#
# Usage:
#   scripts/build-upstream-kernel.sh              build unless current;
#                                                 prints the bzImage path
#   scripts/build-upstream-kernel.sh --print-image  the bzImage, or status 1
#
# Layout under ${IOFD_CACHE:-$HOME/.cache/iofd-oot}/upstream-kernel/:
#   linux-source-6.12/  the unpacked source (only read; O= builds)
#   build/              O= tree       bzImage  copy of the image
#   stamp               source version + fragment hash + compiler
#   build.log           output of the last build
# Environment: IOFD_CACHE, IOFD_UPSTREAM_KERNEL_JOBS (make -j, default 2).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

top=$(iofd_cache_dir)/upstream-kernel
src=$top/linux-source-6.12
build=$top/build
image=$top/bzImage
log=$top/build.log
fragment=$IOFD_ROOT/scripts/upstream-kernel-x86_64.config
jobs=${IOFD_UPSTREAM_KERNEL_JOBS:-2}

stamp() {
	printf 'source %s\nfragment %s\ncompiler %s\n' \
		"$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo none)" \
		"$(sha256sum <"$fragment" | cut -d' ' -f1)" "$(gcc --version | head -n1)"
}

if [[ ${1:-} == --print-image ]]; then
	[[ -f $image && $(cat "$top/stamp" 2>/dev/null) == "$(stamp)" ]] || exit 1
	printf '%s\n' "$image"
	exit 0
fi
[[ $# -eq 0 ]] || iofd_die "unknown argument $1 (see the header of $0)"

if ! dpkg-query -W -f='${Status}' linux-source-6.12 2>/dev/null | grep -q 'ok installed'; then
	iofd_log "installing linux-source-6.12 (apt)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q linux-source-6.12 >/dev/null ||
		iofd_die "apt-get install linux-source-6.12 failed"
fi
mkdir -p "$top"
exec 9>"$top/lock"
flock 9
want=$(stamp)
if [[ -f $image && $(cat "$top/stamp" 2>/dev/null) == "$want" ]]; then
	printf '%s\n' "$image"
	exit 0
fi
rm -f "$top/stamp"
# A new package version: unpack again, build from scratch.
if [[ $(cat "$src/.iofd-version" 2>/dev/null) != "$(head -n1 <<<"$want")" ]]; then
	iofd_log "unpacking /usr/src/linux-source-6.12.tar.xz into $top"
	rm -rf "$src" "$build"
	tar -C "$top" -xf /usr/src/linux-source-6.12.tar.xz
	head -n1 <<<"$want" >"$src/.iofd-version"
fi
mkdir -p "$build"
: >"$log"
start=$(iofd_now)
kmake() {
	nice -n 19 make -C "$src" O="$build" "$@" >>"$log" 2>&1
}
fail() {
	iofd_log "FAILED: $*; end of $log:"
	tail -n 30 "$log" | sed 's/^/[iofd]   | /' >&2
	exit 1
}
kmake x86_64_defconfig || fail "make x86_64_defconfig"
(cd "$build" && bash "$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
	"$build/.config" "$fragment") >>"$log" 2>&1 || fail "merge_config.sh"
kmake olddefconfig || fail "make olddefconfig"
# Every line of the fragment must hold (olddefconfig silently drops what
# has unmet dependencies: a missing IOMMUFD_TEST would only show in the
# guest).
bad=0
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		sym=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		sym=${BASH_REMATCH[1]} val=n
	else
		continue
	fi
	got=$(grep -E "^$sym=" "$build/.config" | cut -d= -f2- || true)
	if [[ ${got:-n} != "$val" ]]; then
		iofd_warn "$sym: fragment wants $val, .config has ${got:-n}"
		bad=1
	fi
done <"$fragment"
((!bad)) || iofd_die "the 6.12 .config does not honour $fragment"
iofd_log "building linux 6.12 for the bench (nice make -j$jobs, log $log)"
kmake -j"$jobs" bzImage || fail "kernel build"
cp "$build/arch/x86/boot/bzImage" "$image.tmp"
mv "$image.tmp" "$image"
printf '%s\n' "$want" >"$top/stamp"
iofd_log "upstream 6.12 kernel built in $(iofd_elapsed "$start") s: $image"
printf '%s\n' "$image"
