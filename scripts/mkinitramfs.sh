#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's busybox-static initramfs.
#
# Usage:
#   scripts/mkinitramfs.sh OUT.cpio.gz [--mode check|demo] [--arch x86_64|arm64]
#                          [--module FILE.ko]... [--test BIN]... [--tool BIN]...
#                          [--kmod NAME]...
#
# Without --module/--test/--tool the repository's build products are used:
#   modules: core/iofd.ko, drivers/mock/iofd_mock.ko, then any other
#            drivers/*/*.ko (sorted); load order is this order
#   tests:   `make -s -C selftests print-tests` (one path per line), or every
#            executable in selftests/build/ when that target does not exist
#   tools:   tools/iofd-vmm
# The environment variables IOFD_MODULES, IOFD_TESTS, IOFD_TOOLS (space
# separated paths) replace those defaults, e.g. to test the harness itself with
# a hello-world module.  IOFD_GUEST_KMODS names extra in-kernel modules of the
# guest kernel to load first (e.g. "vfio_pci"); the in-kernel modules our
# modules depend on (modinfo depends) are added automatically.
# IOFD_DEMO_ARGS: arguments for /bin/iofd-vmm in demo mode.
# IOFD_TEST_TIMEOUT: per-binary timeout in the guest (default 600 s).
#
# --arch: the guest's architecture (default x86_64). It picks the busybox
# (x86_64: the host's busybox-static; arm64: busybox-static:arm64 from
# scripts/arm64-kernel.sh, or IOFD_BUSYBOX), the guest kernel whose modules
# are pulled in (arm64: Debian's arm64 kernel in the cache, unless
# IOFD_KRELEASE / IOFD_GUEST_MODROOT say otherwise), the test channel
# (x86_64 ttyS1, the second serial port; arm64 hvc0, a virtio console, whose
# driver modules virtio_mmio and virtio_console go in too), and the ELF
# machine every module and binary must be built for (checked here: a binary
# of the other architecture would only fail in the guest).
#
# Layout of the image:
#   /init                      scripts/guest-init.sh
#   /bin/busybox + applet links
#   /lib/modules/iofd/*.ko     our modules          (order: /etc/iofd/modules)
#   /lib/modules/kdeps/*.ko    guest-kernel modules (order: /etc/iofd/kmods)
#   /tests/*                   test binaries        (order: /etc/iofd/tests)
#   /bin/*                     tools
#   /etc/iofd/mode             default mode if the kernel command line has none
# A manifest of what went in is written next to OUT as OUT.manifest.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '4,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

out=""
mode=check
arch=x86_64
declare -a modules=() tests=() tools=() kmods=()
while (($#)); do
	case $1 in
	--mode) mode=${2:?}; shift 2 ;;
	--arch) arch=${2:?}; shift 2 ;;
	--module) modules+=("${2:?}"); shift 2 ;;
	--test) tests+=("${2:?}"); shift 2 ;;
	--tool) tools+=("${2:?}"); shift 2 ;;
	--kmod) kmods+=("${2:?}"); shift 2 ;;
	-h | --help) usage ;;
	-*) echo "unknown option $1" >&2; usage ;;
	*) [[ -z $out ]] || usage; out=$1; shift ;;
	esac
done
[[ -n $out ]] || usage
[[ $mode == check || $mode == demo ]] || iofd_die "--mode must be check or demo"

# Per architecture: test channel, guest-kernel modules it needs, ELF
# machine (as readelf -h spells it).
case $arch in
x86_64)
	test_tty=ttyS1
	channel_kmods=()
	elf_machine="Advanced Micro Devices X86-64"
	;;
arm64)
	test_tty=hvc0
	# Debian's arm64 kernel has both as modules (virtio itself is built in).
	channel_kmods=(virtio_mmio virtio_console)
	elf_machine=AArch64
	;;
*) iofd_die "--arch must be x86_64 or arm64" ;;
esac

start=$(iofd_now)

# ------------------------------------------------------- default inputs --

default_modules() {
	local m
	for m in core/iofd.ko drivers/mock/iofd_mock.ko; do
		[[ -f $IOFD_ROOT/$m ]] || iofd_die "$m not built (run make)"
		printf '%s\n' "$IOFD_ROOT/$m"
	done
	# Other drivers (vtd, smmuv3, pci ...) in a stable order.
	for m in "$IOFD_ROOT"/drivers/*/*.ko; do
		[[ -f $m ]] || continue
		[[ $m == */drivers/mock/iofd_mock.ko ]] && continue
		printf '%s\n' "$m"
	done | LC_ALL=C sort
	# The KUnit suites as a module: only in check-debug's copy
	# (scripts/debug-env.sh generates its Kbuild), loaded last.
	if [[ -f $IOFD_ROOT/kunit/iofd_kunit.ko ]]; then
		printf '%s\n' "$IOFD_ROOT/kunit/iofd_kunit.ko"
	fi
}

# The demo VMM doubles as an end-to-end test: it prints one TAP result per
# step it checked. The fuzzer's default run (seed 1, bounded ops, about 6 s
# on TCG) is one too: one TAP result per fuzzing thread.
default_e2e() {
	local t
	for t in iofd-vmm iofd-fuzz iofd-drvfuzz; do
		[[ -x $IOFD_ROOT/tools/$t ]] && printf '%s\n' "$IOFD_ROOT/tools/$t"
	done
	return 0
}

default_tests() {
	local dir=$IOFD_ROOT/selftests list
	[[ -d $dir ]] || return 0
	# Prefer the selftests Makefile's own list; fall back to the build dir.
	if list=$(make -s --no-print-directory -C "$dir" print-tests 2>/dev/null) && [[ -n $list ]]; then
		local t
		while IFS= read -r t; do
			[[ -n $t ]] || continue
			# Relative paths: to selftests/ or, failing that, to the repo.
			if [[ $t != /* ]]; then
				if [[ -e $dir/$t || ! -e $IOFD_ROOT/$t ]]; then
					t=$dir/$t
				else
					t=$IOFD_ROOT/$t
				fi
			fi
			printf '%s\n' "$t"
		done <<<"$list"
		default_e2e
		return 0
	fi
	local f
	for f in "$dir"/build/*; do
		if [[ -f $f && -x $f ]]; then
			printf '%s\n' "$f"
		fi
	done
	default_e2e
}

default_tools() {
	[[ -x $IOFD_ROOT/tools/iofd-vmm ]] && printf '%s\n' "$IOFD_ROOT/tools/iofd-vmm"
	return 0
}

if ((${#modules[@]} == 0)); then
	# Set but empty: no module of ours (a guest of another kernel).
	if [[ -n ${IOFD_MODULES+set} ]]; then
		read -ra modules <<<"$IOFD_MODULES"
	else
		list=$(default_modules)
		mapfile -t modules <<<"$list"
	fi
fi
if ((${#tests[@]} == 0)); then
	if [[ -n ${IOFD_TESTS+set} ]]; then
		read -ra tests <<<"${IOFD_TESTS}"
	elif [[ $mode == check ]]; then
		list=$(default_tests)
		[[ -z $list ]] || mapfile -t tests <<<"$list"
	fi
fi
if ((${#tools[@]} == 0)); then
	if [[ -n ${IOFD_TOOLS+set} ]]; then
		read -ra tools <<<"${IOFD_TOOLS}"
	else
		list=$(default_tools)
		[[ -z $list ]] || mapfile -t tools <<<"$list"
	fi
fi
if ((${#kmods[@]} == 0)) && [[ -n ${IOFD_GUEST_KMODS:-} ]]; then
	read -ra kmods <<<"$IOFD_GUEST_KMODS"
fi
kmods=("${channel_kmods[@]}" "${kmods[@]}")
# None is allowed only when asked for (IOFD_MODULES set and empty).
((${#modules[@]})) || [[ -n ${IOFD_MODULES+set} && -z $IOFD_MODULES ]] ||
	iofd_die "no modules to put in the image"
if [[ $mode == demo ]] && ! printf '%s\n' "${tools[@]}" | grep -q '/iofd-vmm$'; then
	iofd_warn "demo mode but no iofd-vmm tool in the image"
fi

# ----------------------------------------------------------- validation --

# is_static FILE: our guest has no dynamic loader or libc, so every binary
# must be static (or a /bin/sh script run by busybox).
is_static() {
	local f=$1
	if [[ $(head -c2 "$f") == '#!' ]]; then
		return 0
	fi
	! readelf -l "$f" 2>/dev/null | grep -q 'Requesting program interpreter'
}

# right_machine FILE: a script, or an ELF file built for the guest's
# architecture.
right_machine() {
	local f=$1
	if [[ $(head -c2 "$f") == '#!' ]]; then
		return 0
	fi
	[[ $(readelf -h "$f" 2>/dev/null | sed -n 's/^ *Machine: *//p') == "$elf_machine" ]]
}

check_unique_names() {
	local what=$1
	shift
	local dup
	dup=$(for f in "$@"; do basename "$f"; done | sort | uniq -d)
	[[ -z $dup ]] || iofd_die "duplicate $what names: $dup"
}

for f in "${modules[@]}"; do
	[[ -f $f ]] || iofd_die "module not found: $f"
	right_machine "$f" || iofd_die "$f is not built for $arch"
done
for f in "${tools[@]}"; do
	[[ -f $f && -x $f ]] || iofd_die "not an executable file: $f"
	is_static "$f" || iofd_die "$f is dynamically linked; the guest has no libc: link it with -static"
	right_machine "$f" || iofd_die "$f is not built for $arch"
done
# A listed test that is missing or unusable must not cost the other tests
# their run: leave it out and name it in the manifest, where the parser
# counts it as a failure.
declare -a unusable=() usable=()
for f in "${tests[@]}"; do
	if [[ ! -f $f || ! -x $f ]]; then
		iofd_warn "test binary not built: $f"
		unusable+=("$(basename "$f") not built: $f")
	elif ! is_static "$f"; then
		iofd_warn "$f is dynamically linked; the guest has no libc: link it with -static"
		unusable+=("$(basename "$f") dynamically linked (the guest has no libc)")
	elif ! right_machine "$f"; then
		iofd_warn "$f is not built for $arch"
		unusable+=("$(basename "$f") not built for $arch")
	else
		usable+=("$f")
	fi
done
tests=("${usable[@]}")
check_unique_names module "${modules[@]}"
check_unique_names test "${tests[@]}"

# ------------------------------------------------ guest-kernel module deps --

# IOFD_GUEST_MODROOT: where the guest kernel's own modules are installed
# when it is not the host's /lib/modules (the debug kernel's
# modules_install root, the unpacked arm64 packages).
if [[ $arch == arm64 ]]; then
	a64=$IOFD_ROOT/scripts/arm64-kernel.sh
	krel=${IOFD_KRELEASE:-$(bash "$a64" --print-release)} ||
		iofd_die "no arm64 guest kernel (run scripts/arm64-kernel.sh)"
	modroot=${IOFD_GUEST_MODROOT:-$(bash "$a64" --print-modroot)} ||
		iofd_die "no arm64 guest kernel (run scripts/arm64-kernel.sh)"
else
	krel=$(iofd_krelease) || iofd_die "cannot resolve the guest kernel release"
	modroot=${IOFD_GUEST_MODROOT:-}
fi
kmoddir=$modroot/lib/modules/$krel
modprobe_args=(-S "$krel")
[[ -z $modroot ]] || modprobe_args+=(-d "$modroot")

# kernel_deps: print the paths of the guest kernel's modules needed by our
# modules and by $kmods, in load order (modprobe --show-depends gives them
# dependencies first). Names of our own modules are not kernel modules.
kernel_deps() {
	local -A ours=()
	local m n names=()
	for m in "${modules[@]}"; do
		n=$(basename "$m" .ko)
		ours[$n]=1
		ours[${n//-/_}]=1
	done
	for m in "${modules[@]}"; do
		local dep deplist
		dep=$(modinfo -F depends "$m" 2>/dev/null || true)
		IFS=, read -ra deplist <<<"$dep"
		for n in "${deplist[@]}"; do
			if [[ -n $n && -z ${ours[$n]:-} && -z ${ours[${n//-/_}]:-} ]]; then
				names+=("$n")
			fi
		done
	done
	names+=("${kmods[@]}")
	((${#names[@]})) || return 0
	[[ -d $kmoddir ]] || iofd_die "$kmoddir not found (guest kernel's modules not installed?)"
	for n in "${names[@]}"; do
		local deps
		# A builtin prints "builtin NAME": nothing to load.
		deps=$(modprobe "${modprobe_args[@]}" --show-depends "$n" 2>&1) ||
			iofd_die "guest kernel module $n not found in $kmoddir: $deps"
		awk '$1 == "insmod" { print $2 }' <<<"$deps"
	done | awk '!seen[$0]++'
}

kdeps=()
list=$(kernel_deps)
[[ -z $list ]] || mapfile -t kdeps <<<"$list"

# --------------------------------------------------------------- assemble --

root=$(mktemp -d "${TMPDIR:-/tmp}/iofd-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc/iofd,tests,lib/modules/iofd,lib/modules/kdeps}
chmod 1777 "$root/tmp"

# busybox-static: the Debian binary is self-contained. Create the applet
# links now (not with --install at boot) to save guest time. An arm64
# busybox cannot run here to list its applets: /init gets only its
# interpreter link and runs `busybox --install` itself.
if [[ -n ${IOFD_BUSYBOX:-} ]]; then
	bb=$IOFD_BUSYBOX
elif [[ $arch == arm64 ]]; then
	bb=$(bash "$IOFD_ROOT/scripts/arm64-kernel.sh" --print-busybox) ||
		iofd_die "no arm64 busybox (run scripts/arm64-kernel.sh)"
else
	bb=/bin/busybox
	[[ -x $bb ]] || bb=/usr/bin/busybox
fi
[[ -x $bb ]] || iofd_die "busybox not found at $bb"
readelf -l "$bb" 2>/dev/null | grep -q 'Requesting program interpreter' &&
	iofd_die "$bb is not static: install busybox-static"
right_machine "$bb" || iofd_die "$bb is not built for $arch"
cp "$bb" "$root/bin/busybox"
if [[ $arch == x86_64 ]]; then
	for applet in $("$bb" --list); do
		[[ $applet == busybox ]] && continue
		ln -sf busybox "$root/bin/$applet"
	done
else
	ln -sf busybox "$root/bin/sh"
fi

# /dev/console must exist before devtmpfs is mounted, or the kernel starts
# /init without stdin/stdout ("unable to open an initial console").
if [[ $(id -u) == 0 ]]; then
	mknod -m 600 "$root/dev/console" c 5 1
	mknod -m 666 "$root/dev/null" c 1 3
fi

cp "$IOFD_ROOT/scripts/guest-init.sh" "$root/init"
chmod 755 "$root/init"

: >"$root/etc/iofd/modules"
: >"$root/etc/iofd/module-versions"
for m in "${modules[@]}"; do
	cp "$m" "$root/lib/modules/iofd/"
	basename "$m" >>"$root/etc/iofd/modules"
	# MODULE_VERSION as built: the guest compares /sys/module/*/version
	v=$(modinfo -F version "$m" 2>/dev/null || true)
	[[ -z $v ]] || printf '%s %s\n' "$(basename "$m")" "$v" >>"$root/etc/iofd/module-versions"
done
: >"$root/etc/iofd/kmods"
for m in "${kdeps[@]}"; do
	cp "$m" "$root/lib/modules/kdeps/"
	basename "$m" >>"$root/etc/iofd/kmods"
done
: >"$root/etc/iofd/tests"
for t in "${tests[@]}"; do
	cp "$t" "$root/tests/"
	basename "$t" >>"$root/etc/iofd/tests"
done
for t in "${tools[@]}"; do
	cp "$t" "$root/bin/"
done
printf '%s\n' "$mode" >"$root/etc/iofd/mode"
printf '%s\n' "$test_tty" >"$root/etc/iofd/test-tty"
printf '%s\n' "${IOFD_TEST_TIMEOUT:-600}" >"$root/etc/iofd/test-timeout"
printf '%s\n' "${IOFD_DEMO_ARGS:-}" >"$root/etc/iofd/demo-args"

mkdir -p "$(dirname "$out")"
# The manifest tells the log parser what was supposed to run.
{
	for m in "${modules[@]}"; do printf 'module %s\n' "$(basename "$m")"; done
	for m in "${kdeps[@]}"; do printf 'kmod %s\n' "$(basename "$m")"; done
	for t in "${tests[@]}"; do printf 'test %s\n' "$(basename "$t")"; done
	for t in "${unusable[@]}"; do printf 'unusable %s\n' "$t"; done
	for t in "${tools[@]}"; do printf 'tool %s\n' "$(basename "$t")"; done
	printf 'mode %s\n' "$mode"
	printf 'arch %s\n' "$arch"
} >"$out.manifest"

# Fast compression: the guest decompresses under TCG, and the host cost of
# better compression is not worth it for a few MiB.
(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"

iofd_log "initramfs $out ($arch): ${#modules[@]} modules, ${#kdeps[@]} kernel modules," \
	"${#tests[@]} tests, ${#tools[@]} tools, $(du -k "$out" | cut -f1) KiB," \
	"$(iofd_elapsed "$start") s"
