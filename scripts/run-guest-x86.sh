#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the x86_64 test guest: Debian's own 6.1 kernel on QEMU q35 (TCG) with
# the emulated Intel VT-d in scalable mode and the edu DMA device.
#
# Usage:
#   scripts/run-guest-x86.sh --initrd FILE [--mode check|demo|shell]
#                            [--out DIR] [--timeout SECS] [--append "ARGS"]
#
#   --out DIR      where console.log (ttyS0, kernel log), tests.log (ttyS1,
#                  test output), qemu.log (QEMU's own stderr) and
#                  guest-seconds go (default: a new temporary directory)
#   --timeout S    kill the guest after S seconds (default $IOFD_GUEST_TIMEOUT
#                  or 1200); a killed guest is a failure (exit status 124)
#   --append ARGS  extra kernel command line
# Environment: IOFD_KERNEL (guest kernel image, default Debian's
# /boot/vmlinuz-<abi>-amd64), IOFD_QEMU_MEM (2G), IOFD_QEMU_SMP (2),
# IOFD_QEMU_EXTRA (extra QEMU arguments, word-split), IOFD_VTD_OPTS (more
# intel-iommu options, e.g. aw-bits=48).
#
# check: both serial ports go to files; nothing is read from stdin.
# demo:  ttyS1 (the program's output) is streamed to stdout and logged.
# shell: ttyS0 is the terminal (interactive busybox shell in the guest).
#
# Exit status: 0 when QEMU ended by itself (the guest powered off; whether
# the tests passed is for ktap.py to say), 124 when the timeout killed it,
# otherwise QEMU's own failure status.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

initrd=""
mode=check
out=""
timeout_s=${IOFD_GUEST_TIMEOUT:-1200}
append_extra=""
while (($#)); do
	case $1 in
	--initrd) initrd=${2:?}; shift 2 ;;
	--mode) mode=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--append) append_extra=${2?}; shift 2 ;;
	*) iofd_die "unknown argument $1 (see the header of $0)" ;;
	esac
done
[[ -n $initrd && -f $initrd ]] || iofd_die "--initrd FILE is required (got '${initrd}')"
case $mode in check | demo | shell) ;; *) iofd_die "--mode must be check, demo or shell" ;; esac
[[ $timeout_s =~ ^[0-9]+$ ]] || iofd_die "--timeout must be a number of seconds"
[[ -n $out ]] || out=$(mktemp -d "${TMPDIR:-/tmp}/iofd-guest.XXXXXX")
mkdir -p "$out"

kernel=$(iofd_vmlinuz) || iofd_die "cannot resolve the guest kernel"
[[ -r $kernel ]] || iofd_die "guest kernel $kernel not readable"
command -v qemu-system-x86_64 >/dev/null || iofd_die "qemu-system-x86_64 missing (scripts/deps.sh)"

# Kernel command line:
#  - intel_iommu=off intremap=off: our VT-d driver, not the kernel's, owns
#    the DRHD (with intremap on the kernel keeps the invalidation queue).
#  - panic=-1 + QEMU -no-reboot: a panic ends QEMU at once instead of
#    hanging until the timeout.
#  - oops=panic: after an Oops the kernel is in an unknown state (locks held,
#    later tests would hang in D state). Stop there; the log has the Oops.
#    No panic_on_warn: a WARN is reported by the log scan and the tests go on.
#  - hung_task_panic=1: a task stuck in D state for 120 s is a deadlock;
#    panic with its backtrace rather than wait for our timeout.
#  - 8250.nr_uarts=2: we use exactly ttyS0 and ttyS1.
cmdline="console=ttyS0,115200 intel_iommu=off intremap=off panic=-1 oops=panic"
cmdline+=" hung_task_panic=1 8250.nr_uarts=2 iofd.mode=$mode"
[[ -z $append_extra ]] || cmdline+=" $append_extra"
# IOFD_GUEST_APPEND: more kernel arguments from the caller's environment
# (durations of the soak runs, iofd.stress_seconds= ...).
[[ -z ${IOFD_GUEST_APPEND:-} ]] || cmdline+=" $IOFD_GUEST_APPEND"

console_log=$out/console.log
tests_log=$out/tests.log
qemu_log=$out/qemu.log
: >"$console_log"
: >"$tests_log"

# Serial ports are assigned in -serial order: first = ttyS0, second = ttyS1.
serial=()
case $mode in
check)
	serial=(-serial "file:$console_log" -serial "file:$tests_log")
	;;
demo)
	# logfile= keeps a copy of what is streamed to the terminal.
	serial=(-serial "file:$console_log"
		-chardev "stdio,id=tests,logfile=$tests_log,signal=on"
		-serial chardev:tests)
	;;
shell)
	serial=(-chardev "stdio,id=con,logfile=$console_log,signal=off"
		-serial chardev:con -serial "file:$tests_log")
	;;
esac

# -nodefaults: no default NIC/VGA/floppy/CD (fewer devices to probe under
# TCG, and nothing on stdio we did not ask for). intel-iommu is given before
# any other -device: QEMU wants the IOMMU created before the PCI devices it
# translates for. A second edu sits behind a pcie-root-port: the guest can
# unplug that one (iofd_hotplug powers its slot off, and QEMU then removes
# the device; device_del of a root-bus device is refused by QEMU 7.2).
# shellcheck disable=SC2054 # the commas are inside -device options
qemu=(qemu-system-x86_64
	-M q35 -accel tcg
	-m "${IOFD_QEMU_MEM:-2G}" -smp "${IOFD_QEMU_SMP:-2}"
	-nodefaults -display none -vga none -monitor none -parallel none
	-no-reboot
	-device "intel-iommu,intremap=off,caching-mode=on,x-scalable-mode=on,x-pasid-mode=on${IOFD_VTD_OPTS:+,$IOFD_VTD_OPTS}"
	-device edu
	-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	-device edu,bus=rp1
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline"
	"${serial[@]}")
if [[ -n ${IOFD_QEMU_EXTRA:-} ]]; then
	read -ra extra <<<"$IOFD_QEMU_EXTRA"
	qemu+=("${extra[@]}")
fi
printf '%q ' "${qemu[@]}" >"$out/qemu-cmdline"
echo >>"$out/qemu-cmdline"

iofd_log "booting guest ($mode, timeout ${timeout_s}s, kernel $(basename "$kernel")); logs in $out"
start=$(iofd_now)
rc=0
if [[ $mode == check ]]; then
	timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >>"$qemu_log" 2>&1 || rc=$?
else
	# --foreground: QEMU must be able to use the terminal.
	timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" 2>>"$qemu_log" || rc=$?
fi
secs=$(iofd_elapsed "$start")
printf '%s\n' "$secs" >"$out/guest-seconds"
printf '%s\n' "$rc" >"$out/qemu-status"

case $rc in
0)
	iofd_log "guest powered off after ${secs}s"
	;;
124 | 137)
	iofd_log "GUEST TIMEOUT: no poweroff within ${timeout_s}s; QEMU was killed (hung guest?)." \
		"Last console lines:"
	tail -n 15 "$console_log" | sed 's/^/[iofd]   | /' >&2
	exit 124
	;;
*)
	iofd_log "QEMU FAILED with status $rc after ${secs}s. QEMU said:"
	tail -n 20 "$qemu_log" | sed 's/^/[iofd]   | /' >&2
	exit "$rc"
	;;
esac
