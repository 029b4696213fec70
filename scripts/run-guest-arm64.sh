#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the arm64 test guest: Debian's own arm64 6.1 kernel on QEMU's virt
# machine (TCG) with the emulated Arm SMMUv3 and the edu DMA device. The
# interface and the files written are those of run-guest-x86.sh.
#
# Usage:
#   scripts/run-guest-arm64.sh --initrd FILE [--mode check|demo|shell]
#                              [--out DIR] [--timeout SECS] [--append "ARGS"]
#
#   --out DIR      where console.log (ttyAMA0, kernel log), tests.log (hvc0,
#                  test output), qemu.log (QEMU's own stderr), qemu-cmdline,
#                  qemu-status and guest-seconds go (default: a new
#                  temporary directory)
#   --timeout S    kill the guest after S seconds (default $IOFD_GUEST_TIMEOUT
#                  or 1200); a killed guest is a failure (exit status 124)
#   --append ARGS  extra kernel command line
# Environment: IOFD_ARM64_KERNEL (guest kernel Image, default Debian's from
# scripts/arm64-kernel.sh), IOFD_ARM64_KERNEL_SMMU (1: the kernel's own
# SMMUv3 driver stays on), IOFD_ARM64_MEM (1G), IOFD_QEMU_SMP (2),
# IOFD_ARM64_QEMU_EXTRA (extra QEMU arguments, word-split).
#
# The virt machine has one PL011 UART, so the test channel is a virtio
# console (virtio-mmio, not behind the SMMU): hvc0 in the guest, whose
# driver the image loads first (mkinitramfs.sh --arch arm64).
#
# check: both channels go to files; nothing is read from stdin.
# demo:  hvc0 (the program's output) is streamed to stdout and logged.
# shell: ttyAMA0 is the terminal (interactive busybox shell in the guest).
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

if [[ -n ${IOFD_ARM64_KERNEL:-} ]]; then
	kernel=$IOFD_ARM64_KERNEL
else
	kernel=$(bash "$IOFD_ROOT/scripts/arm64-kernel.sh" --print-image) ||
		iofd_die "no arm64 guest kernel (run scripts/arm64-kernel.sh)"
fi
[[ -r $kernel ]] || iofd_die "guest kernel $kernel not readable"
command -v qemu-system-aarch64 >/dev/null || iofd_die "qemu-system-aarch64 missing (scripts/deps.sh)"

# Kernel command line:
#  - initcall_blacklist=arm_smmu_driver_init: Debian builds ARM_SMMU_V3 in
#    (no module to leave out); without its initcall the kernel's driver never
#    probes the SMMU, so our driver can own the unit.
#  - deferred_probe_timeout=0: the PCIe node's iommu-map names that SMMU,
#    which now has no driver; PCI drivers would wait 10-20 s for it.
#  - panic=-1 + QEMU -no-reboot: a panic ends QEMU at once instead of
#    hanging until the timeout.
#  - oops=panic: after an Oops the kernel is in an unknown state (locks held,
#    later tests would hang in D state). Stop there; the log has the Oops.
#    No panic_on_warn: a WARN is reported by the log scan and the tests go on.
#  - hung_task_panic=1: a task stuck in D state for 120 s is a deadlock;
#    panic with its backtrace rather than wait for our timeout.
#  IOFD_ARM64_KERNEL_SMMU=1 keeps the kernel's SMMUv3 driver (make bench's
#  VFIO type1 anchor); our driver then refuses the unit.
cmdline="console=ttyAMA0 deferred_probe_timeout=0"
[[ ${IOFD_ARM64_KERNEL_SMMU:-0} == 1 ]] || cmdline+=" initcall_blacklist=arm_smmu_driver_init"
cmdline+=" panic=-1 oops=panic hung_task_panic=1 iofd.mode=$mode"
[[ -z $append_extra ]] || cmdline+=" $append_extra"
# IOFD_GUEST_APPEND: more kernel arguments from the caller's environment
# (durations of the soak runs, iofd.stress_seconds= ...).
[[ -z ${IOFD_GUEST_APPEND:-} ]] || cmdline+=" $IOFD_GUEST_APPEND"

console_log=$out/console.log
tests_log=$out/tests.log
qemu_log=$out/qemu.log
: >"$console_log"
: >"$tests_log"

# The PL011 (ttyAMA0) takes the first -serial; the test channel is the
# chardev "tests" behind the virtconsole below.
serial=()
case $mode in
check)
	serial=(-serial "file:$console_log" -chardev "file,id=tests,path=$tests_log")
	;;
demo)
	# logfile= keeps a copy of what is streamed to the terminal.
	serial=(-serial "file:$console_log"
		-chardev "stdio,id=tests,logfile=$tests_log,signal=on")
	;;
shell)
	serial=(-chardev "stdio,id=con,logfile=$console_log,signal=off"
		-serial chardev:con -chardev "file,id=tests,path=$tests_log")
	;;
esac

# -M virt,iommu=smmuv3: the SMMUv3 translates for the PCIe root complex
# (edu); virtio-mmio devices are not behind it.
# edu at 00:02.0 (RID = StreamID 0x10), where ../shared/EMULATORS.md and
# the SMMUv3 issue measured it; it would be 00:01.0 as the only PCI device.
# A second edu sits behind a pcie-root-port (00:03.0; the edu at 01:00.0,
# StreamID 0x100): the guest can unplug that one by powering its slot off.
# -cpu max,pauth-impdef=on: TCG emulates the architected pointer
# authentication (QARMA) very slowly; the implementation-defined algorithm
# is much cheaper (boot 11 s -> 2.6 s measured).
# -nodefaults: no default NIC/CD (fewer devices to probe under TCG, and
# nothing on stdio we did not ask for).
# virtio-serial-device + virtconsole: the test channel (hvc0).
# shellcheck disable=SC2054 # the commas are inside -device options
qemu=(qemu-system-aarch64
	-M virt,iommu=smmuv3 -cpu max,pauth-impdef=on -accel tcg
	-m "${IOFD_ARM64_MEM:-1G}" -smp "${IOFD_QEMU_SMP:-2}"
	-nodefaults -display none -monitor none -parallel none
	-no-reboot
	-device edu,addr=02.0
	-device pcie-root-port,id=rp1,chassis=1,slot=1,addr=03.0
	-device edu,bus=rp1
	-device virtio-serial-device -device virtconsole,chardev=tests
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline"
	"${serial[@]}")
if [[ -n ${IOFD_ARM64_QEMU_EXTRA:-} ]]; then
	read -ra extra <<<"$IOFD_ARM64_QEMU_EXTRA"
	qemu+=("${extra[@]}")
fi
printf '%q ' "${qemu[@]}" >"$out/qemu-cmdline"
echo >>"$out/qemu-cmdline"

iofd_log "booting arm64 guest ($mode, timeout ${timeout_s}s, kernel $(basename "$kernel")); logs in $out"
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
