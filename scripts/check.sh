#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test orchestrator behind `make check` (and `make guest-test`):
#   deps -> build modules -> build selftests -> build tools -> KUnit (UML)
#   -> guest initramfs -> boot the x86_64 guest -> parse -> totals.
# Every step is a check that passes or fails; nothing is skipped silently.
# The last line of stdout is the closing line, alone:
#   N passed, N failed[, N skipped]
# Exit status: 0 only when nothing failed and something ran.
#
# Usage: scripts/check.sh [--no-kunit] [--no-build]
#   --no-kunit  leave KUnit out (make guest-test)
#   --no-build  use what is already built (also IOFD_SKIP_BUILD=1)
# Environment:
#   IOFD_MODULES / IOFD_TESTS / IOFD_TOOLS  what goes into the guest instead of
#       the repository's products (space-separated paths; see mkinitramfs.sh)
#   IOFD_KUNIT_CMD      KUnit runner printing KTAP on stdout (default
#                       scripts/kunit.sh)
#   IOFD_GUEST_TIMEOUT  seconds before a hung guest is killed (default 1200)
#   IOFD_CACHE          cache directory (results go to $IOFD_CACHE/runs/)
#   KDIR                kernel build directory (default: Debian's headers)
#
# Logs of every step stay in the run directory, linked as build/last-run.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

do_kunit=1
do_build=1
[[ ${IOFD_SKIP_BUILD:-0} == 1 ]] && do_build=0
while (($#)); do
	case $1 in
	--no-kunit) do_kunit=0 ;;
	--no-build) do_build=0 ;;
	*) iofd_die "unknown argument $1" ;;
	esac
	shift
done

cd "$IOFD_ROOT"
S=$IOFD_ROOT/scripts
KTAP=(/usr/bin/python3 "$S/ktap.py")

# ------------------------------------------------------------ run folder --
# Outside the repository (the work tree stays clean); build/last-run points
# at the newest one. Older runs are pruned to the last 10.
runs=$(iofd_cache_dir)/runs
run_dir=$runs/$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$run_dir"
mkdir -p "$IOFD_ROOT/build"
ln -sfn "$run_dir" "$IOFD_ROOT/build/last-run"
# shellcheck disable=SC2012 # names are our own timestamps
ls -1d "$runs"/*/ 2>/dev/null | sort | head -n -10 | xargs -r rm -rf
results=$run_dir/results.jsonl
: >"$results"

declare -a timings=()

# record NAME pass|fail [REASON]: one check line, on stdout and in results.
record() {
	[[ -x /usr/bin/python3 ]] || { echo "  $2 $1 ${3:-}"; return 0; }
	"${KTAP[@]}" check "$1" "$2" ${3:+--reason "$3"} --results "$results"
}

# step NAME LOG CMD...: run CMD with output to LOG; record it as a check.
# On failure show the end of the log so CI output says what went wrong.
step() {
	local name=$1 log=$2
	shift 2
	local t0 rc=0
	t0=$(iofd_now)
	"$@" >"$log" 2>&1 </dev/null || rc=$?
	timings+=("$name $(iofd_elapsed "$t0")s")
	if ((rc == 0)); then
		record "$name" pass
		return 0
	fi
	record "$name" fail "exit status $rc, log: $log"
	tail -n 40 "$log" | sed 's/^/    | /'
	return "$rc"
}

section() {
	printf '== %s\n' "$*"
}

# ------------------------------------------------------------------ deps --
section "dependencies"
if ! step "dependencies" "$run_dir/deps.log" bash "$S/deps.sh"; then
	# Nothing else can work; still end with the closing line (by hand if
	# python3 itself is what is missing).
	if [[ -x /usr/bin/python3 ]]; then
		"${KTAP[@]}" total --results "$results" || true
	else
		echo "0 passed, 1 failed"
	fi
	exit 1
fi
kdir=$(iofd_kdir)

# ----------------------------------------------------------------- build --
modules_ok=1
if ((do_build)); then
	section "build"
	kbuild_args=(-C "$kdir" M="$IOFD_ROOT")
	if [[ -n ${ARCH:-} ]]; then kbuild_args+=(ARCH="$ARCH"); fi
	if [[ -n ${CROSS_COMPILE:-} ]]; then kbuild_args+=(CROSS_COMPILE="$CROSS_COMPILE"); fi
	if [[ -f Kbuild || -n ${IOFD_MODULES:-} ]]; then
		if [[ -f Kbuild ]]; then
			step "build modules" "$run_dir/build-modules.log" \
				make -j"$(nproc)" "${kbuild_args[@]}" modules || modules_ok=0
		fi
	else
		record "build modules" fail "no Kbuild at the top of the repository"
		modules_ok=0
	fi
	if [[ -n ${IOFD_TESTS+set} ]]; then
		: # tests given explicitly: not ours to build
	elif [[ -f selftests/Makefile ]]; then
		step "build selftests" "$run_dir/build-selftests.log" make -k -C selftests || true
	else
		record "build selftests" fail "selftests/Makefile missing"
	fi
	if [[ -n ${IOFD_TOOLS+set} ]]; then
		:
	elif [[ -f tools/Makefile ]]; then
		step "build tools" "$run_dir/build-tools.log" make -C tools || true
	else
		record "build tools" fail "tools/Makefile missing"
	fi
fi

# ----------------------------------------------------------------- KUnit --
if ((do_kunit)); then
	section "kunit (UML)"
	kunit_cmd=""
	if [[ -n ${IOFD_KUNIT_CMD:-} ]]; then
		kunit_cmd=$IOFD_KUNIT_CMD
	elif [[ -f $S/kunit.sh ]]; then
		kunit_cmd="bash $S/kunit.sh"
	fi
	if [[ -n $kunit_cmd ]]; then
		t0=$(iofd_now)
		rc=0
		# stdout is the KTAP; stderr is the build chatter.
		bash -c "$kunit_cmd" >"$run_dir/kunit.log" 2>"$run_dir/kunit.err" </dev/null || rc=$?
		timings+=("kunit $(iofd_elapsed "$t0")s")
		"${KTAP[@]}" ktap "$run_dir/kunit.log" --group kunit --rc "$rc" --results "$results"
		if ((rc != 0)); then
			echo "    kunit runner exited $rc; end of its stderr:"
			tail -n 20 "$run_dir/kunit.err" | sed 's/^/    | /'
		fi
	else
		record "kunit runner missing" fail "scripts/kunit.sh not found"
	fi
fi

# ----------------------------------------------------------------- guest --
section "x86_64 guest (q35 + intel-iommu + edu, TCG)"
if ((modules_ok)); then
	initrd=$run_dir/initrd-x86.cpio.gz
	if step "guest image" "$run_dir/mkinitramfs.log" \
		bash "$S/mkinitramfs.sh" "$initrd" --mode check; then
		t0=$(iofd_now)
		guest_rc=0
		bash "$S/run-guest-x86.sh" --initrd "$initrd" --mode check --out "$run_dir/x86" \
			2>"$run_dir/run-guest.log" || guest_rc=$?
		timings+=("guest boot-to-poweroff $(cat "$run_dir/x86/guest-seconds" 2>/dev/null || echo '?')s")
		if ((guest_rc != 0)); then
			# The launcher says why (timeout, QEMU error); the parser then
			# counts what did not run.
			sed 's/^/    | /' "$run_dir/run-guest.log"
		fi
		"${KTAP[@]}" guest --run-dir "$run_dir/x86" --manifest "$initrd.manifest" \
			--results "$results"
	fi
else
	record "x86_64 guest tests" fail "not run: the modules did not build"
fi

# ---------------------------------------------------------------- totals --
section "summary"
joined=$(IFS=,; echo "${timings[*]}")
echo "timings: ${joined//,/, }"
echo "logs: $run_dir"
rc=0
"${KTAP[@]}" total --results "$results" || rc=$?
exit "$rc"
