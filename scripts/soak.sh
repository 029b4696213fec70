#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Long bounded runs that `make check` only does briefly: the race stress
# test (selftests/iofd_stress) and the structured fuzzer (tools/iofd-fuzz),
# each for SECONDS, in one guest boot, under the same splat, taint, leak and
# rmmod checks as `make check`.
#
# Usage: scripts/soak.sh [--debug] [--seconds SECONDS] [--seed N]
#   --debug      on the debug kernel (KASAN, lockdep, kmemleak; see
#                check-debug.sh); the issue's 10-minute soak is
#                `scripts/soak.sh --debug --seconds 600`
#   --seconds S  per program (default 600)
#   --seed N     fuzzer seed (default: random; printed in the log)
# The last line of stdout is "N passed, N failed[, N skipped]".
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

debug=0
seconds=600
seed=""
while (($#)); do
	case $1 in
	--debug) debug=1 ;;
	--seconds) seconds=${2:?}; shift ;;
	--seed) seed=${2:?}; shift ;;
	*) iofd_die "unknown argument $1" ;;
	esac
	shift
done

root=$IOFD_ROOT
if ((debug)); then
	S=$IOFD_ROOT/scripts
	export IOFD_DEBUG_TREE=soak
	# shellcheck source=scripts/debug-env.sh
	. "$S/debug-env.sh"
	root=$tree
fi
# Against $KDIR: the debug kernel's build (debug-env.sh) or Debian's
make -s -C "$root" modules >/dev/null
make -s -C "$root/selftests" >/dev/null
make -s -C "$root/tools" >/dev/null

# The programs read their durations from the kernel command line.
export IOFD_TESTS="$root/selftests/build/iofd_stress $root/tools/iofd-fuzz $root/tools/iofd-drvfuzz"
export IOFD_GUEST_APPEND="iofd.stress_seconds=$seconds iofd.fuzz_seconds=$seconds iofd.drvfuzz_seconds=$seconds${seed:+ iofd.fuzz_seed=$seed iofd.drvfuzz_seed=$seed}"
# Each program, slack for the debug kernel's boot and kmemleak scans.
export IOFD_TEST_TIMEOUT=$((seconds * 3 + 600))
export IOFD_GUEST_TIMEOUT=$((seconds * 6 + 1800))
# x86_64 only: the programs above were built for the x86_64 guest.
exec bash "$root/scripts/check.sh" --no-kunit --no-build --arch x86_64
