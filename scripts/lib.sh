#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the iofd-oot scripts: logging, the cache directory and
# the resolution of the Debian kernel ABI we build and boot against.
#
# Source it from another script:   . "$(dirname "$0")/lib.sh"
# or ask it a question directly:   scripts/lib.sh kabi|kdir|vmlinuz|cache|linux-src|root
#
# Why the ABI comes from the package and never from `uname -r`: the host that
# builds runs some other kernel (and cannot load modules); what matters is the
# kernel we boot in the guest, i.e. the one linux-image-amd64 points at, and the
# headers linux-headers-amd64 points at. Both must name the same ABI or the
# modules will not load (vermagic mismatch).

# Guard against double sourcing.
if [[ -n ${IOFD_LIB_SOURCED:-} ]]; then
	# shellcheck disable=SC2317 # exit: when executed instead of sourced
	return 0 2>/dev/null || exit 0
fi
IOFD_LIB_SOURCED=1

# Repository root: this file lives in <root>/scripts/.
IOFD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# ---------------------------------------------------------------- logging --
# Everything diagnostic goes to stderr so that stdout stays clean for results
# (check.sh's closing line must be the last line of stdout).

iofd_log() {
	printf '[iofd] %s\n' "$*" >&2
}

iofd_warn() {
	printf '[iofd] WARNING: %s\n' "$*" >&2
}

iofd_die() {
	printf '[iofd] ERROR: %s\n' "$*" >&2
	exit 1
}

# Wall-clock seconds with sub-second precision, for timing phases.
iofd_now() {
	date +%s.%N
}

# iofd_elapsed START -> "12.3" seconds since START (from iofd_now).
iofd_elapsed() {
	awk -v s="$1" -v e="$(iofd_now)" 'BEGIN { printf "%.1f", e - s }'
}

# ------------------------------------------------------------ directories --

# Cache outside the repository: unpacked linux-source, KUnit build trees,
# run results. Overridable with IOFD_CACHE.
iofd_cache_dir() {
	printf '%s\n' "${IOFD_CACHE:-${HOME:-/root}/.cache/iofd-oot}"
}

# Unpacked linux-source-6.1 (checkpatch.pl, kunit.py). deps.sh creates it.
iofd_linux_src() {
	printf '%s\n' "${IOFD_LINUX_SRC:-$(iofd_cache_dir)/linux-source-6.1}"
}

# iofd_sync_tree DST: make DST a copy of what git would commit from this
# checkout (tracked and untracked files, not ignored ones) for a build that
# must not write into the checkout (kbuild puts objects next to the sources
# and 6.1 has no MO=). Unlike a fresh copy, DST keeps its build products:
# copied files keep their mtimes, so make rebuilds only what changed since
# the last sync. Files that left the checkout leave DST (list in
# DST/.iofd-files). DST/VERSION is the checkout's scripts/version.sh.
iofd_sync_tree() {
	local dst=$1 new
	mkdir -p "$dst"
	new=$(mktemp)
	# Tracked files deleted in the work tree are listed too: leave them out.
	(cd "$IOFD_ROOT" && git ls-files -co --exclude-standard -z | LC_ALL=C sort -zu |
		while IFS= read -r -d '' f; do
			if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
		done) >"$new" ||
		{ rm -f "$new"; iofd_warn "git ls-files failed in $IOFD_ROOT"; return 1; }
	if [[ -f $dst/.iofd-files ]]; then
		(cd "$dst" && LC_ALL=C comm -z -23 .iofd-files "$new" | xargs -0r rm -f --)
	fi
	# -m: keep mtimes; -u: replace files that exist (cpio would keep them).
	(cd "$IOFD_ROOT" && cpio -0 -pdmu --quiet "$dst" <"$new") ||
		{ rm -f "$new"; iofd_warn "copying the checkout to $dst failed"; return 1; }
	mv "$new" "$dst/.iofd-files"
	# The copy has no .git: it gets the checkout's version as a file
	# (scripts/version.sh reads it there).
	sh "$IOFD_ROOT/scripts/version.sh" >"$dst/VERSION"
}

# The arm64 build tree of this checkout (one per checkout: parallel
# checkouts do not build into each other's).
iofd_arm64_tree() {
	printf '%s/arm64/tree-%s\n' "$(iofd_cache_dir)" \
		"$(printf '%s' "$IOFD_ROOT" | sha256sum | cut -c1-12)"
}

# ---------------------------------------------------------- kernel ABI --

# _iofd_abi_from_meta PKG KIND: read the versioned package that the Debian
# metapackage PKG depends on ("linux-KIND-6.1.0-56-amd64 (= ...)") and print
# the ABI part ("6.1.0-56"). Prints nothing if the package is not installed.
_iofd_abi_from_meta() {
	local pkg=$1 kind=$2 dep
	dep=$(dpkg-query -W -f='${Depends}' "$pkg" 2>/dev/null) || return 1
	# The image may be the "-unsigned" flavour on some setups; accept both.
	if [[ $dep =~ linux-$kind-([0-9][0-9.]*-[0-9]+)-amd64 ]]; then
		printf '%s\n' "${BASH_REMATCH[1]}"
		return 0
	fi
	return 1
}

# The kernel ABI (e.g. 6.1.0-56) of the installed Debian amd64 kernel.
# IOFD_KABI overrides. Fails loudly if headers and image disagree.
iofd_kabi() {
	if [[ -n ${IOFD_KABI:-} ]]; then
		printf '%s\n' "$IOFD_KABI"
		return 0
	fi
	local h i
	h=$(_iofd_abi_from_meta linux-headers-amd64 headers) ||
		{ iofd_warn "linux-headers-amd64 is not installed (run scripts/deps.sh)"; return 1; }
	i=$(_iofd_abi_from_meta linux-image-amd64 image) ||
		{ iofd_warn "linux-image-amd64 is not installed (run scripts/deps.sh)"; return 1; }
	if [[ $h != "$i" ]]; then
		iofd_warn "linux-headers-amd64 ($h) and linux-image-amd64 ($i) name different ABIs;" \
			"upgrade both (apt-get install linux-headers-amd64 linux-image-amd64)"
		return 1
	fi
	printf '%s\n' "$h"
}

# Kernel build directory for external modules. KDIR overrides.
iofd_kdir() {
	if [[ -n ${KDIR:-} ]]; then
		printf '%s\n' "$KDIR"
		return 0
	fi
	local abi
	abi=$(iofd_kabi) || return 1
	printf '/usr/src/linux-headers-%s-amd64\n' "$abi"
}

# Guest kernel image. IOFD_KERNEL overrides.
iofd_vmlinuz() {
	if [[ -n ${IOFD_KERNEL:-} ]]; then
		printf '%s\n' "$IOFD_KERNEL"
		return 0
	fi
	local abi
	abi=$(iofd_kabi) || return 1
	printf '/boot/vmlinuz-%s-amd64\n' "$abi"
}

# Release string of the guest kernel (its /lib/modules/<release> directory).
# Guest kernel release (uname -r in the guest). IOFD_KRELEASE overrides
# (the debug kernel).
iofd_krelease() {
	if [[ -n ${IOFD_KRELEASE:-} ]]; then
		printf '%s\n' "$IOFD_KRELEASE"
		return 0
	fi
	local abi
	abi=$(iofd_kabi) || return 1
	printf '%s-amd64\n' "$abi"
}

# ------------------------------------------------------------ CLI mode --
# Executed rather than sourced: answer one question (used by the Makefile).
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	case ${1:-} in
	kabi) iofd_kabi ;;
	kdir) iofd_kdir ;;
	vmlinuz) iofd_vmlinuz ;;
	krelease) iofd_krelease ;;
	cache) iofd_cache_dir ;;
	linux-src) iofd_linux_src ;;
	root) printf '%s\n' "$IOFD_ROOT" ;;
	*)
		echo "usage: $0 kabi|kdir|vmlinuz|krelease|cache|linux-src|root" >&2
		exit 2
		;;
	esac
fi
