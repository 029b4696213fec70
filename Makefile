# SPDX-License-Identifier: GPL-2.0
#
# iofd-oot: user-facing targets. The module list itself is in ./Kbuild, which
# kbuild reads instead of this file when it builds with M=.
#
#   make [all|modules]  build the modules against Debian's 6.1 headers
#   make selftests      static kselftest binaries (selftests/build/)
#   make tools          tools/iofd-vmm
#   make kunit          KUnit suites on UML (scripts/kunit.sh)
#   make guest-test     build everything, boot the guests, run the tests
#   make check          deps + build + KUnit + the x86_64 and arm64 guest
#                       tests; closing line "N passed, N failed[, N skipped]"
#                       (ARCH=x86_64 or ARCH=arm64: that guest only)
#   make check-arm64    the arm64 guest only, no KUnit (quick iteration)
#   make check-debug    the tests on the debug kernel (KASAN, lockdep, ...)
#   make soak[-debug]   iofd_stress + iofd-fuzz for SOAK_SECONDS (600) each
#   make demo           boot the guest and run tools/iofd-vmm, output live
#                       (ARCH=arm64: the arm64 guest, edu through our SMMUv3)
#   make bench          boot one guest per stack (ours, Debian's VFIO type1,
#                       upstream 6.12 iommufd) and run tools/iofd-bench:
#                       tables, plots and CSV in bench/results/, README
#                       section rewritten (ARCH=arm64: the SMMUv3 guest;
#                       BENCH_ARGS= more options of scripts/bench.sh)
#   make dkms-install   copy the module sources to /usr/src/iofd-<version>,
#                       DKMS builds and installs them for the 6.1 kernel(s)
#   make dkms-remove    undo dkms-install
#   make deb            Debian packages iofd-dkms + iofd-tools (build/deb/),
#                       lintian clean
#   make check-packaging  the README's install steps for real on this host
#                       (dkms-install/remove, deb, apt install, man, purge)
#   make uapi-doc       render the uAPI headers' kernel-doc into
#                       Documentation/uapi.md (make check fails when stale)
#   make man            man pages from Documentation/man/*.scd (build/man/)
#   make checkpatch     checkpatch.pl --no-tree -f on every .c/.h
#   make sparse         modules with sparse (C=2: every file, every time)
#   make w1             modules with W=1, failing on any warning
#   make clean
#
# Every target runs scripts/deps.sh first (a quick no-op when all is there).
# KDIR defaults to the headers named by the installed linux-headers-amd64
# package (never `uname -r`: the host runs another kernel). ARCH= and
# CROSS_COMPILE= are passed to kbuild by `make modules` etc.; for check and
# guest-test ARCH= picks the guest (scripts/check.sh builds each guest's
# modules with its own ARCH: arm64 ones against Debian's arm64 headers from
# scripts/arm64-kernel.sh, in a copy of the checkout in the cache).

# kbuild reads ./Kbuild; should it ever fall back to this file, say why
# instead of recursing into the targets below.
ifneq ($(KERNELRELEASE),)
$(error kbuild is reading the top-level Makefile: ./Kbuild is missing)
endif

SHELL := /bin/bash

# Deferred (=, not :=) so that the ABI is resolved after deps.sh has had a
# chance to install the headers. `make ARCH=arm64` builds here against
# Debian's arm64 headers (unpacked in the cache by deps.sh).
ifeq ($(ARCH),arm64)
KDIR ?= $(shell bash $(CURDIR)/scripts/arm64-kernel.sh --print-kdir)
CROSS_COMPILE ?= aarch64-linux-gnu-
endif
KDIR ?= $(shell bash $(CURDIR)/scripts/lib.sh kdir)
KBUILD = $(MAKE) -C $(KDIR) M=$(CURDIR) \
	$(if $(ARCH),ARCH=$(ARCH)) $(if $(CROSS_COMPILE),CROSS_COMPILE=$(CROSS_COMPILE))

LINUX_SRC = $(shell bash $(CURDIR)/scripts/lib.sh linux-src)
CHECKPATCH_DIRS := include core drivers kunit tools selftests

.PHONY: all modules deps selftests tools kunit guest-test check check-arm64 check-debug soak \
	soak-debug demo demo-arm64 demo-x86 \
	checkpatch sparse w1 clean kdir-check bench dkms-install dkms-remove deb \
	check-packaging uapi-doc man

all: modules

deps:
	@bash scripts/deps.sh

kdir-check: deps
	@test -f "$(KDIR)/Makefile" || { echo "KDIR '$(KDIR)' has no kernel Makefile" >&2; exit 1; }

modules: kdir-check
	$(KBUILD) modules

selftests: deps
	$(MAKE) -C selftests

tools: deps
	$(MAKE) -C tools

kunit: deps
	bash scripts/kunit.sh

# check.sh builds, runs and prints the closing line itself.
guest-test: deps
	@bash scripts/check.sh --no-kunit

check: deps
	@bash scripts/check.sh

check-arm64: deps
	@bash scripts/check.sh --arch arm64 --no-kunit

# check-debug: the same tests (KUnit as a module in the guest) on the debug
# kernel (KASAN, lockdep, kmemleak, ...), built once into the cache.
check-debug: deps
	@bash scripts/check-debug.sh

# soak / soak-debug: iofd_stress and iofd-fuzz for SOAK_SECONDS each (600),
# the fuzzer with SOAK_SEED (default: random, printed in the log).
SOAK_SECONDS ?= 600
SOAK_SEED ?=
soak: deps
	@bash scripts/soak.sh --seconds $(SOAK_SECONDS) $(if $(SOAK_SEED),--seed $(SOAK_SEED))

soak-debug: deps
	@bash scripts/soak.sh --debug --seconds $(SOAK_SECONDS) $(if $(SOAK_SEED),--seed $(SOAK_SEED))

dkms-install: deps
	@bash scripts/dkms.sh install

dkms-remove: deps
	@bash scripts/dkms.sh remove

deb: deps
	@bash scripts/deb.sh

check-packaging: deps
	@bash scripts/check-packaging.sh

uapi-doc: deps
	@python3 scripts/uapi-doc.py --kernel-doc $(LINUX_SRC)/scripts/kernel-doc --write

man: deps
	@mkdir -p build/man
	@for f in Documentation/man/*.scd; do \
		scdoc <$$f >build/man/$$(basename $$f .scd) || exit 1; \
	done
	@ls build/man

# bench: never part of check (timings are not test verdicts).
BENCH_ARGS ?=
bench: deps
	@bash scripts/bench.sh --arch $(if $(filter arm64,$(ARCH)),arm64,x86_64) $(BENCH_ARGS)

# demo: the VMM's output (guest ttyS1) is streamed live; afterwards the same
# splat/taint/rmmod checks as `make check` give the verdict.
demo: $(if $(filter arm64,$(ARCH)),demo-arm64,demo-x86)

demo-arm64: deps
	@bash scripts/demo-arm64.sh

demo-x86: modules tools
	@set -euo pipefail; \
	run=$$(bash scripts/lib.sh cache)/demo; rm -rf "$$run"; mkdir -p "$$run"; \
	bash scripts/mkinitramfs.sh "$$run/initrd-x86.cpio.gz" --mode demo; \
	rc=0; bash scripts/run-guest-x86.sh --initrd "$$run/initrd-x86.cpio.gz" \
		--mode demo --out "$$run" || rc=$$?; \
	echo "== demo verdict (logs: $$run; console.log = kernel log)"; \
	/usr/bin/python3 scripts/ktap.py guest --demo --run-dir "$$run" \
		--manifest "$$run/initrd-x86.cpio.gz.manifest" --results "$$run/results.jsonl"; \
	/usr/bin/python3 scripts/ktap.py total --results "$$run/results.jsonl" >/dev/null && \
		test $$rc -eq 0

# checkpatch: every .c/.h we wrote; fails if any file has an error or warning.
checkpatch: deps
	@set -uo pipefail; fail=0; n=0; \
	files=$$(find $(wildcard $(CHECKPATCH_DIRS)) -name '*.[ch]' \
		-not -path 'selftests/build/*' -not -name '*.mod.c' 2>/dev/null | LC_ALL=C sort); \
	for f in $$files; do \
		n=$$((n + 1)); \
		perl "$(LINUX_SRC)/scripts/checkpatch.pl" --no-tree -f --quiet \
			--show-types "$$f" || fail=$$((fail + 1)); \
	done; \
	echo "checkpatch: $$n files, $$fail with problems"; \
	test $$fail -eq 0

# sparse: C=2 runs the checker on every source file even when the objects are
# up to date (C=1 would only check what happens to be recompiled).
sparse: kdir-check
	@set -uo pipefail; log=$$(mktemp); \
	$(KBUILD) C=2 modules 2>&1 | tee "$$log"; rc=$${PIPESTATUS[0]}; \
	grep -E '^$(CURDIR)/[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$$log" \
		> "$$log.ours" || true; \
	n=$$(wc -l < "$$log.ours"); rm -f "$$log" "$$log.ours"; \
	echo "sparse: $$n warnings in our sources"; \
	test $$rc -eq 0 && test $$n -eq 0

# w1: W=1 from scratch (a warning is only printed when a file is compiled),
# failing on any compiler or modpost warning.
w1: kdir-check
	@set -uo pipefail; log=$$(mktemp); \
	$(KBUILD) clean >/dev/null; \
	$(KBUILD) W=1 modules 2>&1 | tee "$$log"; rc=$${PIPESTATUS[0]}; \
	n=$$(grep -ciE 'warning:|warning \(' "$$log" || true); rm -f "$$log"; \
	echo "W=1: $$n warnings"; \
	test $$rc -eq 0 && test $$n -eq 0

clean: deps
	@if [ -f "$(KDIR)/Makefile" ]; then $(KBUILD) clean; fi
	@if [ -f selftests/Makefile ]; then $(MAKE) -C selftests clean; fi
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools clean; fi
	rm -rf build
