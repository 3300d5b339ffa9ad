#!/bin/bash
# blktests.sh disk DISK: an ext4 on DISK for check's results and the tests' images (NVMe targets
# back onto files there, O_DIRECT included, which /tmp's tmpfs lacks before 6.6); prints
# blktests_out=DIR.
# blktests.sh configfs: configfs mounted at /sys/kernel/config (nvmet and the SCSI target are
# configured there; Debian builds configfs as a module, systemd would mount it).
# blktests.sh config FILE KEY=VALUE...: check's config file, one bash assignment per pair.
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
check)
	config=$2 results=$3
	shift 3
	rm -rf "$results"
	cd "$dir"
	./check -c "$config" -o "$results" "$@" | cat
	exit "${PIPESTATUS[0]}"
	;;
*) echo "usage: blktests.sh disk DISK | configfs | config FILE KEY=VALUE... | check CONFIG RESULTS TEST..." >&2; exit 2 ;;
esac
