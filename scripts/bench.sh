#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot one guest per stack, run tools/iofd-bench in each, and
# put the rows side by side (scripts/bench-report.py).
#
# Usage:
#   scripts/bench.sh [--arch x86_64|arm64] [--reps N] [--max-size BYTES]
#                    [--stacks LIST] [--no-readme]
#
#   --stacks  comma list (default: all of the architecture's):
#     ours           Debian's 6.1 kernel + our modules: mock domain, edu on
#                    our VT-d / SMMUv3 driver (iofd-pci), the pinning limit
#                    (IOFD_PIN_BENCH), copy, scale, memory, invalidation,
#                    threads
#     debian-vfio    Debian's 6.1 kernel with its own IOMMU driver on, edu
#                    bound to vfio-pci, VFIO type1 MAP_DMA / UNMAP_DMA
#     upstream-6.12  (x86_64) a 6.12 kernel from Debian's linux-source-6.12
#                    with IOMMUFD_TEST (scripts/build-upstream-kernel.sh,
#                    built once into the cache): its mock domain and edu on
#                    its VT-d driver through vfio-pci's device cdev
#   --no-readme  do not rewrite the bench section of README.md
#
# Every guest gets the same QEMU machine (scripts/run-guest-*.sh) with
# IOFD_QEMU_MEM=4G (the 1 GiB rows need the room). Results:
#   bench/results/<date>-<arch>.csv   all rows (header line first)
#   bench/results/<date>-<arch>.md    the tables with ratios and targets
#   bench/results/<date>-<arch>-*.png throughput vs size (gnuplot)
# and the guests' logs under $IOFD_CACHE/bench-runs/<ts>/.
# Nothing here is part of `make check`: timings are never test verdicts.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=x86_64
reps=5
max_size=$((1 << 30))
stacks=""
readme=1
while (($#)); do
	case $1 in
	--arch) arch=${2:?}; shift 2 ;;
	--reps) reps=${2:?}; shift 2 ;;
	--max-size) max_size=${2:?}; shift 2 ;;
	--stacks) stacks=${2:?}; shift 2 ;;
	--no-readme) readme=0; shift ;;
	*) iofd_die "unknown argument $1 (see the header of $0)" ;;
	esac
done
case $arch in
x86_64) [[ -n $stacks ]] || stacks=ours,debian-vfio,upstream-6.12 ;;
arm64) [[ -n $stacks ]] || stacks=ours,debian-vfio ;;
*) iofd_die "--arch must be x86_64 or arm64" ;;
esac

if ! command -v gnuplot >/dev/null; then
	iofd_log "installing gnuplot-nox (the plots)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null ||
		iofd_warn "no gnuplot: tables only, no plots"
fi

S=$IOFD_ROOT/scripts
run=$(iofd_cache_dir)/bench-runs/$(date +%Y%m%d-%H%M%S)
mkdir -p "$run"
date=$(date +%Y-%m-%d)
results=$IOFD_ROOT/bench/results
mkdir -p "$results"
csv=$results/$date-$arch.csv

# ----------------------------------------------------------------- build --
if [[ $arch == x86_64 ]]; then
	tree=$IOFD_ROOT
	make -s -C "$IOFD_ROOT" modules >"$run/build.log" 2>&1 ||
		{ tail -n 20 "$run/build.log" >&2; iofd_die "module build failed"; }
	make -s -C "$IOFD_ROOT/tools" iofd-bench >>"$run/build.log" 2>&1 ||
		iofd_die "tools/iofd-bench build failed (see $run/build.log)"
	guest=$S/run-guest-x86.sh
else
	# As check.sh: cross-built in the cache's copy of the checkout,
	# against Debian's arm64 headers.
	tree=$(iofd_arm64_tree)
	{
		bash "$S/arm64-kernel.sh" &&
			iofd_sync_tree "$tree" &&
			make -j2 -C "$(bash "$S/arm64-kernel.sh" --print-kdir)" M="$tree" \
				ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- modules &&
			make -C "$tree/tools" CC=aarch64-linux-gnu-gcc iofd-bench
	} >"$run/build.log" 2>&1 || iofd_die "arm64 build failed (see $run/build.log)"
	guest=$tree/scripts/run-guest-arm64.sh
fi
bench_bin=$tree/tools/iofd-bench
[[ -x $bench_bin ]] || iofd_die "$bench_bin missing"

# run_stack RUN STACK TARGETS APPEND [env...]: one guest (logs in
# $run/RUN/) running iofd-bench as its only test, rows labelled STACK; the
# BENCH rows go to $run/RUN.csv
run_stack() {
	local name=$1 stack=$2 targets=$3 append=$4 dir=$run/$1 wrapper
	shift 4
	mkdir -p "$dir"
	wrapper=$dir/bench-$name
	printf '#!/bin/sh\nexec /bin/iofd-bench --stack %s --targets %s --reps %s --max-size %s\n' \
		"$stack" "$targets" "$reps" "$max_size" >"$wrapper"
	chmod +x "$wrapper"
	iofd_log "bench: $name ($targets) on $arch"
	(
		# shellcheck disable=SC2163 # the arguments are NAME=VALUE words
		if (($#)); then export "$@"; fi
		export IOFD_TESTS=$wrapper IOFD_TOOLS=$bench_bin IOFD_TEST_TIMEOUT=3000
		bash "$tree/scripts/mkinitramfs.sh" "$dir/initrd.cpio.gz" --arch "$arch" \
			--mode check >"$dir/mkinitramfs.log" 2>&1 ||
			iofd_die "$name: guest image failed (see $dir/mkinitramfs.log)"
		IOFD_QEMU_MEM=4G IOFD_ARM64_MEM=4G bash "$guest" --initrd "$dir/initrd.cpio.gz" \
			--out "$dir" --timeout 3600 --append "$append" >"$dir/guest.log" 2>&1
	) || { iofd_warn "$name: guest failed (see $dir)"; return 1; }
	grep '^BENCH,' "$dir/tests.log" | sed 's/^BENCH,//' >"$run/$name.csv" || true
	grep '^# skip\|^# FAILED' "$dir/tests.log" | sed "s/^/[iofd] $name: /" >&2 || true
	if ! grep -q '^# iofd-bench done' "$dir/tests.log"; then
		iofd_warn "$name: iofd-bench did not finish (see $dir/tests.log)"
		return 1
	fi
	iofd_log "$name: $(wc -l <"$run/$name.csv") rows in $(cat "$dir/guest-seconds") s"
	runs+=("$name")
}

runs=()
failed=0
for stack in ${stacks//,/ }; do
	case $arch/$stack in
	*/ours)
		run_stack ours ours mock,dev,pin "" || failed=1
		;;
	x86_64/debian-vfio)
		# The kernel's VT-d on (the last intel_iommu= wins); interrupt
		# remapping stays off as QEMU's unit has none here, so type1
		# needs allow_unsafe_interrupts (iofd-bench sets it).
		run_stack debian-vfio debian-vfio vfio "intel_iommu=on" \
			IOFD_MODULES= "IOFD_GUEST_KMODS=vfio_pci vfio_iommu_type1" || failed=1
		;;
	arm64/debian-vfio)
		# The kernel's SMMUv3 driver on (it is built in); QEMU's virt
		# GIC has no MSI isolation, so type1 needs allow_unsafe_interrupts
		# (iofd-bench sets it).
		run_stack debian-vfio debian-vfio vfio "" IOFD_MODULES= IOFD_ARM64_KERNEL_SMMU=1 \
			"IOFD_GUEST_KMODS=vfio_pci vfio_iommu_type1" || failed=1
		;;
	x86_64/upstream-6.12)
		if ! img=$(bash "$S/build-upstream-kernel.sh"); then
			iofd_warn "upstream-6.12: kernel build failed; rows skipped"
			failed=1
			continue
		fi
		# Two boots: 6.12's mock device fails to bind (EINVAL) when
		# its VT-d driver is on, so the mock rows run with it off.
		run_stack upstream-6.12-mock upstream-6.12 mock "" \
			IOFD_MODULES= "IOFD_KERNEL=$img" || failed=1
		run_stack upstream-6.12-vtd upstream-6.12 dev \
			"intel_iommu=on iommufd.allow_unsafe_interrupts=1" \
			IOFD_MODULES= "IOFD_KERNEL=$img" || failed=1
		;;
	*) iofd_die "unknown stack $stack for $arch" ;;
	esac
done

{
	echo "stack,kernel,group,target,backing,size,reps,median_ns,min_ns,max_ns,pages,note"
	for name in "${runs[@]}"; do
		cat "$run/$name.csv"
	done
} >"$csv"
iofd_log "bench: $(($(wc -l <"$csv") - 1)) rows in $csv"
args=(--csv "$csv" --arch "$arch" --out "$results/$date-$arch")
((!readme)) || args+=(--readme "$IOFD_ROOT/README.md")
/usr/bin/python3 "$S/bench-report.py" "${args[@]}"
exit "$failed"
