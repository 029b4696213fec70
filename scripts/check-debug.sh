#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: every kselftest, end-to-end test and KUnit case on the
# debug guest kernel (KASAN, KFENCE, UBSAN, kmemleak, lockdep, debug objects,
# fault injection; scripts/build-debug-kernel.sh). Any splat fails the run,
# as does a kmemleak report after a forced scan (scripts/guest-init.sh).
#
# Our modules are built against the debug kernel in a copy of the checkout:
# kbuild writes objects next to the sources and 6.1 has no MO=, so building
# in place would clobber the Debian-kernel build of `make check`. KUnit runs
# in the guest here, as a module (iofd_kunit.ko, made from kunit/*_test.c
# and kunit/objects.txt), not on UML.
#
# Usage: scripts/check-debug.sh   (environment as scripts/check.sh)
# The last line of stdout is check.sh's "N passed, N failed[, N skipped]".
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

S=$IOFD_ROOT/scripts
# shellcheck source=scripts/debug-env.sh
. "$S/debug-env.sh"
# x86_64 only: the debug kernel is an x86_64 one.
exec bash "$tree/scripts/check.sh" --no-kunit --arch x86_64
