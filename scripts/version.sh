#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The version of this tree, for MODULE_VERSION, DKMS and the Debian
# packages: the VERSION file when there is one (a source package, a DKMS
# tree, the arm64 build copy), else from git: BASE~gitYYYYMMDD.HASH of the
# last commit (+dirty when tracked files differ from it), else BASE.
# ("~" sorts before the release: 0.1.0~git... < 0.1.0.)
BASE=0.1.0
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$top/VERSION" ]; then
	cat "$top/VERSION"
	exit 0
fi
if rev=$(git -C "$top" log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null) &&
	[ -n "$rev" ]; then
	if [ -n "$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		echo "$BASE~git$rev+dirty"
	else
		echo "$BASE~git$rev"
	fi
	exit 0
fi
echo "$BASE"
