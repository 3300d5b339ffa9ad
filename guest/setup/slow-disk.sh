#!/bin/sh
# slow-disk.sh DEVICE DELAY_MS NAME: a dm-delay device over DEVICE (reads and writes delayed by
# DELAY_MS), the seed's bio_delay without a test module; prints slowdisk=/dev/mapper/NAME.
# No udev in the guest: --noudevsync, and mknodes makes the node. A second suite in the same
# boot gets the device the first one made, with its delay set again.
set -eu
dev=$1 delay=$2 name=$3
table="0 $(blockdev --getsz "$dev") delay $dev 0 $delay"
if dmsetup info "$name" >/dev/null 2>&1; then
	echo "$table" | dmsetup reload --noudevsync "$name"
	dmsetup resume --noudevsync "$name"
else
	echo "$table" | dmsetup create --noudevsync "$name"
fi
dmsetup mknodes "$name"
[ -b "/dev/mapper/$name" ] || { echo "/dev/mapper/$name did not appear" >&2; exit 1; }
echo "slowdisk=/dev/mapper/$name"
