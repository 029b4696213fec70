#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# shellcheck shell=dash disable=SC2013,SC3013
# (SC2013: the lists are one word per line on purpose; SC3013: busybox
# test has -ef.)
#
# /init of the iofd-oot test guest (busybox ash, PID 1). Built into the
# initramfs by scripts/mkinitramfs.sh; the host side is run-guest-x86.sh or
# run-guest-arm64.sh and the log parser ktap.py.
#
# Two channels, two streams:
#   console (x86 ttyS0, arm64 ttyAMA0): the kernel log, scanned by the host
#                    for splats. This script only writes short "iofd-init:"
#                    markers there (via /dev/kmsg) so a splat can be
#                    attributed to a test binary.
#   test channel (/etc/iofd/test-tty: x86 ttyS1, the second serial port;
#                    arm64 hvc0, a virtio console, as QEMU's virt machine
#                    has one PL011 only): test output, parsed by the host.
#                    Framing lines:
#       # IOFD-BINARY <name>            a test binary starts
#       # IOFD-EXIT <name> <rc> <secs>  it ended (rc: 128+N = signal N)
#       ok - <check> / not ok - <check>: <why>    harness checks (insmod, rmmod)
#       # IOFD-TAINT <mask>             before and again after rmmod
#       # IOFD-DONE                     all done, powering off
#
# Kernel command line:
#   iofd.mode=check|demo|shell   (default: /etc/iofd/mode)
#   iofd.test_timeout=SECS       per test binary (default: /etc/iofd/test-timeout)
# A dotted name is not passed to init by the kernel, so it is read from
# /proc/cmdline; nothing applies it to a module because we use insmod.

export PATH=/bin:/sbin
export HOME=/tmp

# An arm64 image has only the /bin/sh link (the host cannot run that busybox
# to list its applets, see mkinitramfs.sh): make the others now.
[ -e /bin/mount ] || /bin/busybox --install -s /bin

mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm

# cmdline_param NAME: value of NAME=value on the kernel command line.
cmdline_param() {
	for word in $(cat /proc/cmdline); do
		case $word in
		"$1="*) echo "${word#*=}" ;;
		esac
	done
}

# kmsg MSG: marker in the kernel log (console.log on the host).
kmsg() {
	echo "iofd-init: $*" >/dev/kmsg
}

mode=$(cmdline_param iofd.mode)
[ -n "$mode" ] || mode=$(cat /etc/iofd/mode 2>/dev/null)
[ -n "$mode" ] || mode=check
test_timeout=$(cmdline_param iofd.test_timeout)
[ -n "$test_timeout" ] || test_timeout=$(cat /etc/iofd/test-timeout 2>/dev/null)
[ -n "$test_timeout" ] || test_timeout=600

# ------------------------------------------------------------ load kmods --
# Guest-kernel modules (dependency order): what our modules need, and on
# arm64 the test channel's driver (virtio_mmio, virtio_console), so they
# are loaded before the channel is opened. Failures are reported once the
# channel is open.
kmod_errors=""
for ko in $(cat /etc/iofd/kmods 2>/dev/null); do
	if ! err=$(insmod "/lib/modules/kdeps/$ko" 2>&1); then
		# One line per module: the report below reads them by line.
		kmod_errors="$kmod_errors$ko: $(echo "$err" | tr '\n' ' ')
"
	fi
done

# Test channel on fd 3. raw: no "\n" -> "\r\n" translation, no echo. If
# it is unusable (QEMU started without it) fall back to the console so that
# something is still visible. A serial port gets its speed; a virtio console
# has none to set. The hvc0 node exists as soon as the kernel boots (the hvc
# layer is built in), but opening it fails with ENODEV until the virtio
# console port behind it is announced, shortly after virtio_console is
# loaded: retry for up to 5 s.
tty=$(cat /etc/iofd/test-tty 2>/dev/null)
[ -n "$tty" ] || tty=ttyS1
speed=""
case $tty in ttyS*) speed=115200 ;; esac
tries=0
# shellcheck disable=SC2086 # $speed: one word or none
until err=$(stty -F "/dev/$tty" raw -echo $speed 2>&1); do
	tries=$((tries + 1))
	[ $tries -lt 50 ] || break
	sleep 0.1
done
if [ $tries -lt 50 ]; then
	exec 3>"/dev/$tty"
else
	kmsg "no usable /dev/$tty ($err), test output goes to the console"
	exec 3>&1
fi

out() {
	echo "$*" >&3
}

taint() {
	cat /proc/sys/kernel/tainted
}

kmsg "mode=$mode kernel=$(uname -r) taint=$(taint)"
out "# IOFD-BOOT mode=$mode kernel=$(uname -r) taint=$(taint)"
printf '%s' "$kmod_errors" | while IFS= read -r line; do
	out "not ok - insmod ${line%%: *} (guest kernel module): ${line#*: }"
done

# Module names for rmmod: file name without .ko, '-' -> '_' (the kernel's
# spelling of module names).
modname() {
	basename "$1" .ko | tr - _
}

# ------------------------------------------------------------ load modules --
# Ours in the order mkinitramfs wrote (iofd.ko first), after the guest-kernel
# modules above. A failed insmod is a failed check; the tests still run and
# will say what broke.
loaded=""
strays_seen=""
for ko in $(cat /etc/iofd/modules); do
	if err=$(insmod "/lib/modules/iofd/$ko" 2>&1); then
		out "ok - insmod $ko"
		loaded="$(modname "$ko") $loaded" # reversed, for rmmod
		# The version it was built with must show in sysfs
		want=$(grep "^$ko " /etc/iofd/module-versions 2>/dev/null | cut -d' ' -f2)
		if [ -n "$want" ]; then
			got=$(cat "/sys/module/$(modname "$ko")/version" 2>/dev/null)
			if [ "$got" = "$want" ]; then
				out "ok - version of $ko in sysfs"
			else
				out "not ok - version of $ko in sysfs: '$got', built as '$want'"
			fi
		fi
	else
		out "not ok - insmod $ko: $err"
	fi
done
kmsg "modules loaded: $loaded taint=$(taint)"

# KUnit suites built as a module (make check-debug) ran when it was
# loaded; debugfs keeps each suite's KTAP. Frame them like a test binary.
if [ -d /sys/kernel/debug/kunit ]; then
	for d in /sys/kernel/debug/kunit/iofd_*; do
		[ -f "$d/results" ] || continue
		suite=$(basename "$d")
		out "# IOFD-BINARY kunit-$suite"
		cat "$d/results" >&3
		out "# IOFD-EXIT kunit-$suite 0 0"
	done
fi

# kmemleak (debug kernel): forget what boot left, so the scans after the
# run report what the run leaked.
kmemleak=/sys/kernel/debug/kmemleak
[ -w $kmemleak ] && echo clear >$kmemleak

# ---------------------------------------------------------------- run ------

# stray_processes: "pid:name" of every user process still alive that is
# not busybox (this script, its subshells, busybox timeout's watcher which
# polls once a second for its program and then exits). Kernel threads have
# no exe link. Builtins only, no fork per process: this runs after every test.
stray_processes() {
	for d in /proc/[0-9]*; do
		[ -e "$d/exe" ] || continue
		[ "$d/exe" -ef /bin/busybox ] && continue
		echo "${d#/proc/}:$(cat "$d/comm" 2>/dev/null)"
	done
}

# reap_strays NAME: a process left behind by test binary NAME (a forked
# child never reaped) keeps its /dev/iommu fd and a module reference, and
# could disturb later tests. Report it once as a failure of its own, kill it;
# if SIGKILL cannot end it, it is stuck in the kernel: show where (its
# kernel stack, as "#" comments on the test channel).
reap_strays() {
	stray=$(stray_processes)
	[ -n "$stray" ] || return 0
	new=""
	for p in $stray; do
		case " $strays_seen " in
		*" $p "*) ;;
		*) new="$new $p" ;;
		esac
	done
	[ -n "$new" ] || return 0
	out "not ok - no stray processes after $1:$new"
	strays_seen="$strays_seen$new"
	for p in $new; do kill -9 "${p%%:*}" 2>/dev/null; done
	sleep 1
	for p in $new; do
		pid=${p%%:*}
		[ -d "/proc/$pid" ] || continue
		out "# IOFD-STUCK $p survives SIGKILL: $(grep '^State' "/proc/$pid/status" 2>/dev/null)" \
			"wchan=$(cat "/proc/$pid/wchan" 2>/dev/null)"
		sed 's/^/#   /' "/proc/$pid/stack" >&3 2>/dev/null
	done
}

# run_binary NAME PATH [ARGS]: framed run of one program on the test channel,
# stdin from /dev/null, killed after $test_timeout seconds.
run_binary() {
	name=$1
	shift
	out "# IOFD-BINARY $name"
	kmsg "BEGIN $name"
	t0=$(date +%s)
	(cd /tmp && exec timeout -s KILL "$test_timeout" "$@") </dev/null >&3 2>&3
	rc=$?
	secs=$(($(date +%s) - t0))
	if [ "$rc" = 137 ] && [ "$secs" -ge "$test_timeout" ]; then
		out "# IOFD-TIMEOUT $name $test_timeout"
	fi
	kmsg "END $name rc=$rc ${secs}s"
	out "# IOFD-EXIT $name $rc $secs"
	reap_strays "$name"
}

case $mode in
check)
	for t in $(cat /etc/iofd/tests); do
		run_binary "$t" "/tests/$t"
	done
	;;
demo)
	if [ -x /bin/iofd-vmm ]; then
		# Output straight to the test channel (a tty, so the program's
		# stdio is line buffered and the host shows it live).
		# shellcheck disable=SC2046 # the arguments are words
		run_binary iofd-vmm /bin/iofd-vmm $(cat /etc/iofd/demo-args 2>/dev/null)
	else
		out "not ok - demo: /bin/iofd-vmm is not in the image"
	fi
	;;
shell)
	echo "iofd guest shell; 'exit' powers off. Modules loaded: $loaded"
	setsid cttyhack sh
	;;
*)
	out "not ok - unknown iofd.mode=$mode"
	;;
esac

# ---------------------------------------------------------- teardown -------

if [ "$mode" != shell ]; then
	reap_strays "the run"
	[ -n "$strays_seen" ] || out "ok - no stray processes after the tests"
fi

# Taint before unloading (what the tests did), rmmod in reverse order (a
# clean unload is itself a test: leaked references show up here), taint again.
out "# IOFD-TAINT $(taint)"
for m in $loaded; do
	# Retry briefly: references dropped by exiting processes may lag a bit.
	tries=0
	until err=$(rmmod "$m" 2>&1); do
		tries=$((tries + 1))
		[ $tries -ge 3 ] && break
		sleep 1
	done
	if [ $tries -lt 3 ]; then
		out "ok - rmmod $m"
	else
		out "not ok - rmmod $m: $err (refcnt $(cat "/sys/module/$m/refcnt" 2>/dev/null))"
	fi
done
out "# IOFD-TAINT $(taint)"

# kmemleak: an object is reported only once it is older than 5 s and was
# seen unreferenced by two scans; the kernel logs "kmemleak: N new suspected
# memory leaks" (a splat for the host) and we count them as a check.
if [ -w $kmemleak ]; then
	echo scan >$kmemleak
	sleep 6
	echo scan >$kmemleak
	leaks=$(grep -c '^unreferenced object' $kmemleak)
	if [ "$leaks" = 0 ]; then
		out "ok - kmemleak: no unreferenced objects after the run"
	else
		out "not ok - kmemleak: $leaks unreferenced objects after the run"
		sed 's/^/# /' $kmemleak | head -n 200 >&3
	fi
fi
kmsg "done taint=$(taint)"
out "# IOFD-DONE"

# Closing the last fd on the tty waits for its output to drain, so nothing
# is lost when we power off right after.
exec 3>&-
sync
poweroff -f
# poweroff -f does not return; if it did, PID 1 exiting panics (panic=-1
# reboots, -no-reboot ends QEMU).
sleep 5
