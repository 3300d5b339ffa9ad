#!/bin/bash
# ndctl.sh test TEST...: meson's test runner in ndctl's tree, unpacked where it was built on the
# host (meson writes absolute paths into its build directory), one test at a time, each test's
# output shown (-v), through a pipe so meson writes plain lines; no TEST: all of them.
# ndctl.sh labels: QEMU's NVDIMMs start with an empty label area; initialise it, as one does before
# a DIMM's first namespace (dm.sh's first named create-namespace fails with EINVAL otherwise).
set -eu
dir=/var/tmp/ndctl
case $1 in
labels)
	ndctl disable-region -b ACPI.NFIT all
	ndctl init-labels -f -b ACPI.NFIT all
	ndctl enable-region -b ACPI.NFIT all
	;;
test)
	shift
	cd "$dir/build"
	meson test --no-rebuild --num-processes 1 -v "$@" | cat
	exit "${PIPESTATUS[0]}"
	;;
*) echo "usage: ndctl.sh labels | test TEST..." >&2; exit 2 ;;
esac
