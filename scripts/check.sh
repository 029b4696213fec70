#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test orchestrator behind `make check` (and `make guest-test`):
#   deps -> build modules -> build selftests -> build tools -> KUnit (UML)
#   -> guest initramfs -> boot the x86_64 guest -> parse
#   -> arm64: Debian's arm64 kernel (cached) -> cross-build modules,
#      selftests, tools in a copy of the checkout -> guest initramfs -> boot
#      the arm64 guest -> parse
#   -> totals of everything.
# Every step is a check that passes or fails; nothing is skipped silently.
# The last line of stdout is the closing line, alone:
#   N passed, N failed[, N skipped]
# Exit status: 0 only when nothing failed and something ran.
#
# Usage: scripts/check.sh [--no-kunit] [--no-build] [--arch x86_64|arm64|all]
#   --no-kunit  leave KUnit out (make guest-test)
#   --no-build  use what is already built (also IOFD_SKIP_BUILD=1)
#   --arch A    which guests: x86_64, arm64 or all (default: $ARCH as given
#               to make, e.g. `make check ARCH=arm64`, else all). With
#               IOFD_MODULES / IOFD_TESTS / IOFD_TOOLS / KDIR / IOFD_KERNEL
#               set (x86 products, the debug kernel) the default is x86_64.
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
arch=${ARCH:-}
while (($#)); do
	case $1 in
	--no-kunit) do_kunit=0 ;;
	--no-build) do_build=0 ;;
	--arch) arch=${2:?}; shift ;;
	*) iofd_die "unknown argument $1" ;;
	esac
	shift
done
arch_note=""
if [[ -z $arch ]]; then
	arch=all
	for v in IOFD_MODULES IOFD_TESTS IOFD_TOOLS KDIR IOFD_KERNEL; do
		if [[ -n ${!v+set} ]]; then
			arch=x86_64
			arch_note="x86_64 guest only: $v is set (it names x86 products or kernels)"
			break
		fi
	done
fi
case $arch in
all) do_x86=1 do_arm64=1 ;;
x86_64 | x86 | amd64) do_x86=1 do_arm64=0 ;;
arm64 | aarch64) do_x86=0 do_arm64=1 ;;
*) iofd_die "--arch (or ARCH=) must be x86_64, arm64 or all, not '$arch'" ;;
esac
# ARCH selected the guests; the builds below set their own ARCH.
unset ARCH

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
ls -1d "$runs"/[0-9]*/ 2>/dev/null | sort | head -n -10 | xargs -r rm -rf
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
[[ -z $arch_note ]] || echo "  note: $arch_note"

# ----------------------------------------------------------------- build --
modules_ok=1
if ((do_build && do_x86)); then
	section "build"
	kbuild_args=(-C "$kdir" M="$IOFD_ROOT")
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

# ------------------------------------------------------------- packaging --
# Host side, nothing installed: DKMS in private trees against Debian's 6.1
# headers, the uAPI reference against the headers, the man pages.
# (make check-packaging installs and purges the packages for real.) Not
# when the modules come from elsewhere (check-debug's tree and kernel,
# IOFD_MODULES): packaging is about this checkout and Debian's headers.
if ((do_build && do_x86)) && [[ -z ${IOFD_MODULES+set} ]]; then
	section "packaging (host)"
	step "Documentation/uapi.md matches the headers' kernel-doc" "$run_dir/uapi-doc.log" \
		/usr/bin/python3 "$S/uapi-doc.py" --kernel-doc "$(iofd_linux_src)/scripts/kernel-doc" \
		--check || true
	# shellcheck disable=SC2016 # expanded by the inner bash
	step "man pages build (scdoc) and render" "$run_dir/man.log" bash -c '
		set -e
		out=$(mktemp -d)
		trap "rm -rf $out" EXIT
		for f in Documentation/man/*.scd; do
			page=$out/$(basename "$f" .scd)
			scdoc <"$f" >"$page"
			man -l "$page" >/dev/null
			echo "$page"
		done' || true
	t0=$(iofd_now)
	bash "$S/dkms.sh" check >"$run_dir/dkms.log" 2>&1 || true
	timings+=("dkms $(iofd_elapsed "$t0")s")
	while IFS= read -r line; do
		case $line in
		"ok - "*) record "${line#ok - }" pass ;;
		"not ok - "*)
			rest=${line#not ok - }
			record "${rest%%: *}" fail "${rest#*: }"
			;;
		esac
	done <"$run_dir/dkms.log"
	grep -q '^ok - \|^not ok - ' "$run_dir/dkms.log" ||
		record "dkms check ran" fail "no result lines, see $run_dir/dkms.log"
fi

# ----------------------------------------------------------------- guest --
if ((do_x86)); then section "x86_64 guest (q35 + intel-iommu + edu, TCG)"; fi
if ((do_x86 && modules_ok)); then
	initrd=$run_dir/initrd-x86.cpio.gz
	if step "guest image" "$run_dir/mkinitramfs.log" \
		bash "$S/mkinitramfs.sh" "$initrd" --mode check; then
		t0=$(iofd_now)
		guest_rc=0
		bash "$S/run-guest-x86.sh" --initrd "$initrd" --mode check --out "$run_dir/x86" \
			2>"$run_dir/run-guest.log" || guest_rc=$?
		timings+=("x86_64 guest boot-to-poweroff $(cat "$run_dir/x86/guest-seconds" 2>/dev/null || echo '?')s")
		if ((guest_rc != 0)); then
			# The launcher says why (timeout, QEMU error); the parser then
			# counts what did not run.
			sed 's/^/    | /' "$run_dir/run-guest.log"
		fi
		"${KTAP[@]}" guest --run-dir "$run_dir/x86" --manifest "$initrd.manifest" \
			--results "$results"
	fi
elif ((do_x86)); then
	record "x86_64 guest tests" fail "not run: the modules did not build"
fi

# ----------------------------------------------------------- arm64 guest --
# Debian's own arm64 kernel, headers and busybox (scripts/arm64-kernel.sh,
# fetched once into the cache); our modules, selftests and tools
# cross-built in a copy of the checkout, kept between runs so only what
# changed is rebuilt (kbuild writes objects next to the sources and 6.1 has
# no MO=: building here would clobber the x86 build); the copy's
# mkinitramfs.sh packs them with the arm64 busybox. Every selftest runs:
# the mock's suites test the core on arm64, the VT-d suite skips itself.
if ((do_arm64)); then
	section "arm64 guest (virt + smmuv3 + edu, TCG)"
	a64=$S/arm64-kernel.sh
	a64_ok=1
	step "arm64 kernel (Debian packages)" "$run_dir/arm64-kernel.log" bash "$a64" || a64_ok=0
	# One copy per checkout, so two checkouts sharing the cache do not
	# build into each other's.
	# IOFD_ARM64_TREE: build in that tree, which is already a private copy
	# (check-debug's); the copy of this checkout otherwise.
	a64_tree=${IOFD_ARM64_TREE:-$(iofd_arm64_tree)}
	if ((a64_ok && do_build)); then
		# IOFD_ARM64_KDIR: another arm64 kernel's build tree (the debug
		# kernel of check-debug); Debian's headers otherwise.
		a64_kdir=${IOFD_ARM64_KDIR:-$(bash "$a64" --print-kdir)}
		cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
		if [[ -z ${IOFD_ARM64_TREE:-} ]]; then
			step "arm64 copy of the checkout" "$run_dir/arm64-sync.log" \
				iofd_sync_tree "$a64_tree" || a64_ok=0
		fi
		if ((a64_ok)); then
			step "arm64 build modules" "$run_dir/arm64-build-modules.log" \
				make -j2 -C "$a64_kdir" M="$a64_tree" "${cross[@]}" modules || a64_ok=0
			step "arm64 build selftests" "$run_dir/arm64-build-selftests.log" \
				make -k -j2 -C "$a64_tree/selftests" CC=aarch64-linux-gnu-gcc || true
			step "arm64 build tools" "$run_dir/arm64-build-tools.log" \
				make -C "$a64_tree/tools" CC=aarch64-linux-gnu-gcc || true
		fi
	fi
	if ((a64_ok)); then
		initrd=$run_dir/initrd-arm64.cpio.gz
		if step "arm64 guest image" "$run_dir/mkinitramfs-arm64.log" \
			bash "$a64_tree/scripts/mkinitramfs.sh" "$initrd" --arch arm64 --mode check; then
			guest_rc=0
			bash "$S/run-guest-arm64.sh" --initrd "$initrd" --mode check --out "$run_dir/arm64" \
				2>"$run_dir/run-guest-arm64.log" || guest_rc=$?
			timings+=("arm64 guest boot-to-poweroff $(cat "$run_dir/arm64/guest-seconds" 2>/dev/null || echo '?')s")
			if ((guest_rc != 0)); then
				sed 's/^/    | /' "$run_dir/run-guest-arm64.log"
			fi
			"${KTAP[@]}" guest --group guest-arm64 --run-dir "$run_dir/arm64" \
				--manifest "$initrd.manifest" --results "$results"
		fi
	else
		record "arm64 guest tests" fail "not run: the arm64 kernel or modules are missing"
	fi
fi

# ---------------------------------------------------------------- totals --
section "summary"
joined=$(IFS=,; echo "${timings[*]}")
echo "timings: ${joined//,/, }"
echo "logs: $run_dir"
rc=0
"${KTAP[@]}" total --results "$results" || rc=$?
exit "$rc"
