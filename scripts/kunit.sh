#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run iofd-oot's KUnit suites (kunit/*_test.c) on UML with
# tools/testing/kunit/kunit.py from Debian's linux-source-6.1.
#
#   scripts/kunit.sh [FILTER_GLOB] [more kunit.py exec options]
#
# stdout: the KTAP output of the run, nothing else.
# stderr: progress, timings and, on failure, the relevant log lines.
# Exit:   0 all cases passed or skipped; 1 a case failed, the kernel crashed,
#         no test ran, or the console shows a splat; 2 config/build failed;
#         3 setup failed (no kernel source, ...).
#
# Layout under ${IOFD_CACHE:-$HOME/.cache/iofd-oot}:
#   linux-source-6.1/  pristine tree (unpacked from the Debian package's
#                      tarball if missing); never written to
#   kunit/src/         hard-link copy of it, made once; the only edits are
#                      replaced (not rewritten) drivers/Kconfig and
#                      drivers/Makefile, plus drivers/iofd_kunit/ holding
#                      symlinks to kunit/Kconfig, kunit/Makefile and the repo
#   kunit/build/       kunit.py --build_dir (O=), incremental across runs
#   kunit/build.log    config/build/exec log of the last run
#   kunit/build/test.log  full UML console of the last run
#
# Environment: IOFD_CACHE, IOFD_KUNIT_JOBS (default: nproc),
# IOFD_KUNIT_TIMEOUT (seconds for the run, default 300),
# IOFD_LINUX_SOURCE_TARBALL (default /usr/src/linux-source-6.1.tar.xz).

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cache=${IOFD_CACHE:-$HOME/.cache/iofd-oot}
tarball=${IOFD_LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
pristine=$cache/linux-source-6.1
state=$cache/kunit
work=$state/src
build=$state/build
log=$state/build.log
jobs=${IOFD_KUNIT_JOBS:-$(nproc)}
timeout=${IOFD_KUNIT_TIMEOUT:-300}

say() { echo "kunit.sh: $*" >&2; }
# Show overlay paths of project files as repository-relative paths.
unoverlay() { sed -e "s#$work/drivers/iofd_kunit/repo/##g" -e 's#drivers/iofd_kunit/repo/##g'; }
die() { say "$2"; exit "$1"; }

mkdir -p "$state"
exec 9>"$state/lock"
if ! flock -n 9; then
	say "waiting for another kunit.sh run on $state"
	flock 9
fi

: >"$log"
t0=${EPOCHREALTIME/./}

# 1. Pristine source: unpack into a temporary directory, then rename, so an
#    interrupted unpack never looks complete.
if [ ! -f "$pristine/Makefile" ]; then
	[ -r "$tarball" ] ||
		die 3 "no $pristine and no $tarball (apt-get install linux-source-6.1)"
	[ ! -e "$pristine" ] ||
		die 3 "$pristine exists but has no Makefile: remove it"
	say "unpacking $tarball"
	tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
	tar -C "$tmp" -xf "$tarball" || { rm -rf "$tmp"; die 3 "unpack failed"; }
	mv -T "$tmp/linux-source-6.1" "$pristine" 2>/dev/null || true
	rm -rf "$tmp"
	[ -f "$pristine/Makefile" ] || die 3 "unpack produced no $pristine/Makefile"
fi

# 2. Work tree: a hard-link copy of the pristine tree, remade (with a fresh
#    build directory) whenever the pristine tree was replaced. Hooks replace
#    files by rename, which leaves the pristine inodes untouched.
stamp=$(stat -c '%d:%i:%Y' "$pristine/Makefile")
if [ "$(cat "$work/.iofd-pristine" 2>/dev/null)" != "$stamp" ]; then
	say "creating work tree $work"
	rm -rf "$work" "$work.new" "$build"
	# Hard links (1 s, no space); a plain copy if the cache spans
	# file systems.
	cp -al "$pristine" "$work.new" 2>/dev/null ||
		{ rm -rf "$work.new"; cp -a "$pristine" "$work.new"; }
	# A tree that was built in place cannot serve as O= source.
	if [ -e "$work.new/.config" ] || [ -d "$work.new/include/config" ]; then
		make -s -C "$work.new" mrproper >>"$log" 2>&1
	fi
	kc=$work.new/drivers/Kconfig
	mk=$work.new/drivers/Makefile
	[ "$(tail -n 1 "$kc")" = endmenu ] || die 3 "unexpected end of $kc"
	sed '$i source "drivers/iofd_kunit/Kconfig"\n' "$kc" >"$kc.new"
	mv "$kc.new" "$kc"
	{ cat "$mk"; echo 'obj-y += iofd_kunit/'; } >"$mk.new"
	mv "$mk.new" "$mk"
	mkdir "$work.new/drivers/iofd_kunit"
	echo "$stamp" >"$work.new/.iofd-pristine"
	mv -T "$work.new" "$work"
fi

# 3. Overlay: symlinks to this checkout. When the checkout changes (another
#    worktree shares the cache), drop our objects: make compares mtimes
#    across checkouts otherwise.
overlay=$work/drivers/iofd_kunit
ln -sfn "$repo/kunit/Kconfig" "$overlay/Kconfig"
ln -sfn "$repo/kunit/Makefile" "$overlay/Makefile"
ln -sfn "$repo" "$overlay/repo"
if [ "$(cat "$state/repo" 2>/dev/null)" != "$repo" ]; then
	rm -rf "$build/drivers/iofd_kunit"
	echo "$repo" >"$state/repo"
fi

kunit_py=$work/tools/testing/kunit/kunit.py

# 4. Configure and build (incremental). kunit.py config only regenerates
#    .config when .kunitconfig changed; make itself reruns syncconfig when a
#    Kconfig file changed. (kunit.py build would add an olddefconfig pass,
#    ~2.5 s, to every run.) Every CONFIG_ line of .kunitconfig must survive.
say "building (jobs $jobs, log $log)"
build_failed() {
	{ grep -E 'error|Error|ERROR|warning:|Missing:|\*\*\*' "$log" ||
		tail -n 40 "$log"; } | head -n 40 | unoverlay >&2
	die 2 "config/build failed; full log: $log"
}
python3 "$kunit_py" config --build_dir="$build" \
	--kunitconfig="$repo/kunit/.kunitconfig" >>"$log" 2>&1 || build_failed
make -C "$work" ARCH=um O="$build" --jobs="$jobs" >>"$log" 2>&1 || build_failed
missing=$(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$repo/kunit/.kunitconfig" |
	grep -vxFf "$build/.config" || true)
[ -z "$missing" ] ||
	die 2 "not in $build/.config (unmet dependencies?): $missing"
t1=${EPOCHREALTIME/./}

# 5. Run. kunit.py parses the console itself (crash, missing cases, failed
#    cases => non-zero); its report goes to the log, the raw console to
#    $build/test.log, from which the KTAP lines are extracted for stdout.
say "running"
rc=0
rm -f "$build/test.log"
python3 "$kunit_py" exec --build_dir="$build" --timeout="$timeout" "$@" \
	>>"$log" 2>&1 || rc=1
ktap=$state/ktap.txt
touch "$build/test.log"
python3 "$kunit_py" parse --raw_output=kunit "$build/test.log" | unoverlay >"$ktap" ||
	rc=1
t2=${EPOCHREALTIME/./}

# Splats outside any case do not fail KUnit: apply the project's rule.
splat='WARNING:|BUG:|Oops|KASAN|UBSAN|lockdep|kmemleak|refcount_t:|Kernel panic'
if grep -Eq "$splat" "$build/test.log"; then
	grep -E "$splat" "$build/test.log" | head -n 20 | unoverlay >&2
	say "splat in the console log: $build/test.log"
	rc=1
fi
# A crash, a splat or a missing run leaves no "not ok" line for the
# orchestrator to count: add one top-level result so that KTAP and the exit
# status agree.
if [ "$rc" -ne 0 ] && ! grep -Eq '^ *not ok ' "$ktap"; then
	n=$(grep -Ec '^(not )?ok ' "$ktap" || true)
	header=
	[ -s "$ktap" ] || header=$'KTAP version 1\n1..1\n'
	printf '%s# kunit.sh: %s\nnot ok %d kunit_sh_run\n' "$header" \
		"kernel crashed, splat or cases missing; see $build/test.log" \
		$((n + 1)) >>"$ktap"
fi
cat "$ktap"

if [ "$rc" -ne 0 ]; then
	{ sed -n '/Starting KUnit Kernel/,$p' "$log" | grep -v '\[PASSED\]' |
		grep . || tail -n 20 "$log"; } | tail -n 40 | unoverlay >&2
	say "FAILED; console: $build/test.log, log: $log"
fi
say "setup+build $(((t1 - t0) / 1000))ms, run $(((t2 - t1) / 1000))ms"
exit "$rc"
