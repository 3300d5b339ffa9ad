#!/bin/bash
# ndctl.sh test TEST...: in ndctl's tree, unpacked at the path it was built at on the host (meson
# writes absolute paths into its build directory): meson's test runner, one test at a time, each test's output shown
# (-v), through a pipe so meson writes plain lines; no TEST: all of them.
set -eu
dir=/var/tmp/ndctl
case $1 in
test)
	shift
	cd "$dir/build"
	meson test --no-rebuild --num-processes 1 -v "$@" | cat
	exit "${PIPESTATUS[0]}"
	;;
*) echo "usage: ndctl.sh test TEST..." >&2; exit 2 ;;
esac
