#!/bin/bash
# blktests.sh disk DISK: an ext4 on DISK for check's results and the tests' images (NVMe targets
# back onto files there, O_DIRECT included, which /tmp's tmpfs lacks before 6.6); prints
# blktests_out=DIR.
# blktests.sh configfs: configfs mounted at /sys/kernel/config (nvmet and the SCSI target are
# configured there; Debian builds configfs as a module, systemd would mount it).
# blktests.sh config FILE KEY=VALUE...: check's config file, one bash assignment per pair.
# blktests.sh kver: _have_kver reads `uname -r` up to its first '-', then drops one non-digit:
# Debian's 6.12.118+deb12-amd64 leaves 118deb12, bash's integer read fails, and check silently
# drops the test (nvme/047). Cut at '+' too (a one-line fix to the unpacked tree, said on stdout).
# blktests.sh list GROUP...: the tree's tests of each GROUP, as a fact (blktests_tests=nvme/001 ...).
# blktests.sh check CONFIG RESULTS TEST...: check from its own directory, into RESULTS (emptied),
# its output through a pipe: check writes the plain form (no cursor moves) when not on a terminal.
set -eu
dir=/var/tmp/blktests out=/var/tmp/blktests-out
case $1 in
disk)
	mkdir -p "$out"
	mountpoint -q "$out" || { mkfs.ext4 -q -F "$2" && mount "$2" "$out"; }
	echo "blktests_out=$out"
	;;
configfs)
	mountpoint -q /sys/kernel/config && exit 0
	modprobe configfs
	mount -t configfs configfs /sys/kernel/config
	;;
config)
	file=$2
	shift 2
	: > "$file"
	for pair in "$@"; do
		printf "%s='%s'\n" "${pair%%=*}" "${pair#*=}" >> "$file"
	done
	;;
kver)
	cd "$dir"
	if grep -q "uname -r | sed 's/-\.\*//;" common/rc; then
		sed -i "s#uname -r | sed 's/-\.\*//;#uname -r | sed 's/[-+].*//;#" common/rc
		echo "orchestrate: common/rc _have_kver: kernel release cut at '-' or '+'" >&2
	fi
	;;
list)
	shift
	cd "$dir/tests"
	tests=()
	for group in "$@"; do
		for f in "$group"/[0-9][0-9][0-9]; do
			[ -f "$f" ] && tests+=("$f")
		done
	done
	echo "blktests_tests=${tests[*]}"
	;;
check)
	config=$2 results=$3
	shift 3
	rm -rf "$results"
	cd "$dir"
	./check -c "$config" -o "$results" "$@" | cat
	exit "${PIPESTATUS[0]}"
	;;
*)
	echo "usage: blktests.sh disk DISK | configfs | config FILE KEY=VALUE... | kver | list GROUP... |" \
		"check CONFIG RESULTS TEST..." >&2
	exit 2
	;;
esac
