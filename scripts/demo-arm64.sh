#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo ARCH=arm64`: the arm64 guest (virt + SMMUv3 + edu) runs
# tools/iofd-vmm with its output streamed live: the mock flow, then edu
# copying bytes through our SMMUv3 stream table, CD and stage-1 table. The
# verdict afterwards is the same splat/taint/rmmod check as `make check`.
# Builds as check.sh does: Debian's arm64 kernel and headers from the cache
# (scripts/arm64-kernel.sh), modules and tools cross-built in the arm64
# copy of the checkout.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S=$IOFD_ROOT/scripts

bash "$S/arm64-kernel.sh" >/dev/null
kdir=$(bash "$S/arm64-kernel.sh" --print-kdir)
tree=$(iofd_arm64_tree)
iofd_sync_tree "$tree"
cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
make -s -j2 -C "$kdir" M="$tree" "${cross[@]}" modules >/dev/null
make -s -C "$tree/tools" CC=aarch64-linux-gnu-gcc >/dev/null

run=$(iofd_cache_dir)/demo-arm64
rm -rf "$run"
mkdir -p "$run"
bash "$tree/scripts/mkinitramfs.sh" "$run/initrd-arm64.cpio.gz" --arch arm64 --mode demo
rc=0
bash "$S/run-guest-arm64.sh" --initrd "$run/initrd-arm64.cpio.gz" --mode demo \
	--out "$run" || rc=$?
echo "== demo verdict (logs: $run; console.log = kernel log)"
/usr/bin/python3 "$S/ktap.py" guest --demo --run-dir "$run" \
	--manifest "$run/initrd-arm64.cpio.gz.manifest" --results "$run/results.jsonl"
/usr/bin/python3 "$S/ktap.py" total --results "$run/results.jsonl" >/dev/null
exit "$rc"
