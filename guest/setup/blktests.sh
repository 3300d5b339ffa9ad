#!/bin/bash
# blktests.sh unpack TAR DISK: unpack the blktests tree built on the host; an ext4 on DISK holds
# check's results and the tests' images (NVMe targets back onto 1 GiB files there, O_DIRECT
# included, which /tmp's tmpfs lacks before 6.6). Prints blktests=DIR and blktests_out=DIR.
# blktests.sh configfs: configfs mounted at /sys/kernel/config (nvmet and the SCSI target are
# configured there; Debian builds configfs as a module, systemd would mount it).
# blktests.sh config FILE KEY=VALUE...: check's config file, one bash assignment per pair.
# blktests.sh check CONFIG RESULTS TEST...: check from its own directory, into RESULTS (emptied),
# its output through a pipe: check writes the plain form (no cursor moves) when not on a terminal.
set -eu
dir=/var/tmp/blktests out=/var/tmp/blktests-out
case $1 in
unpack)
	rm -rf "$dir" && mkdir -p "$dir" "$out"
	tar -C "$dir" --strip-components=1 -xf "$2"
	mountpoint -q "$out" || { mkfs.ext4 -q -F "$3" && mount "$3" "$out"; }
	echo "blktests=$dir"
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
*) echo "usage: blktests.sh unpack TAR DISK | configfs | config FILE KEY=VALUE... | check CONFIG RESULTS TEST..." >&2; exit 2 ;;
esac
