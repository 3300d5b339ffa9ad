#!/bin/bash
# ndctl.sh unpack TAR: unpack ndctl's tree, built on the host at the same path (meson writes
# absolute paths into its build directory); prints ndctl=DIR.
# ndctl.sh test TEST...: meson's test runner, one test at a time, each test's output shown
# (-v), through a pipe so meson writes plain lines; no TEST: all of them.
set -eu
dir=/var/tmp/ndctl
case $1 in
unpack)
	rm -rf "$dir" && mkdir -p "$dir"
	tar -C "$dir" --strip-components=1 -xf "$2"
	echo "ndctl=$dir"
	;;
test)
	shift
	cd "$dir/build"
	meson test --no-rebuild --num-processes 1 -v "$@" | cat
	exit "${PIPESTATUS[0]}"
	;;
*) echo "usage: ndctl.sh unpack TAR | test TEST..." >&2; exit 2 ;;
esac
