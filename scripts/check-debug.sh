#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: every kselftest, end-to-end test and KUnit case on the
# debug guest kernels (KASAN, KFENCE, UBSAN, kmemleak, lockdep, debug
# objects, fault injection; scripts/build-debug-kernel.sh), x86_64 then
# arm64. Any splat fails the run, as does a kmemleak report after a forced
# scan (scripts/guest-init.sh).
#
# Our modules are built against each debug kernel in a copy of the
# checkout: kbuild writes objects next to the sources and 6.1 has no MO=,
# so building in place would clobber the Debian-kernel build of `make
# check`. KUnit runs in the guest here, as a module (iofd_kunit.ko, made
# from kunit/*_test.c and kunit/objects.txt), not on UML.
#
# Usage: scripts/check-debug.sh   (ARCH=x86_64 or ARCH=arm64: one guest)
# The last line of stdout is "N passed, N failed[, N skipped]" over both.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

S=$IOFD_ROOT/scripts
case ${ARCH:-all} in
all) arches=(x86_64 arm64) ;;
x86_64 | x86 | amd64) arches=(x86_64) ;;
arm64 | aarch64) arches=(arm64) ;;
*) iofd_die "ARCH= must be x86_64 or arm64" ;;
esac
unset ARCH

passed=0 failed=0 skipped=0 rc=0
for debug_arch in "${arches[@]}"; do
	out=$(mktemp)
	# A subshell each: debug-env.sh exports the kernel's settings.
	(
		# shellcheck source=scripts/debug-env.sh
		. "$S/debug-env.sh"
		bash "$tree/scripts/check.sh" --no-kunit --arch "$debug_arch"
	) | tee "$out" || rc=1
	last=$(tail -n 1 "$out")
	rm -f "$out"
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
	else
		failed=$((failed + 1))
		rc=1
	fi
done
((failed == 0)) || rc=1
if ((skipped)); then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
exit "$rc"
