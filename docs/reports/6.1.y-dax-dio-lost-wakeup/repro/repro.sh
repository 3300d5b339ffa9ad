#!/bin/sh
# dio-vs-truncate/ext4-truncate, as orchestrate ran it in run 20261204T154517-141j: prepares the guest as the suite's setup
# does, runs the workload and prints its observation (one JSON line) last, on stdout.
# DESTRUCTIVE: it reconfigures NVDIMM namespaces and overwrites disks. Run it as root only in the
# throwaway guest run-qemu.sh boots. The functions below are orchestrate's guest/setup scripts, verbatim.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
step() { echo "repro.sh: $*" >&2; }
fact() { printf '%s\n' "$facts" | sed -n "s/^$1=//p" | tail -n 1; }

namespace_sh() (
# namespace.sh NAMESPACE MODE KEY: reconfigure an NVDIMM namespace (fsdax or devdax) and print
# KEY=/dev/NODE for the block device (fsdax) or character device (devdax) it now provides.
set -eu
ns=$1 mode=$2 key=$3
out=$(ndctl create-namespace --force --reconfig="$ns" --mode="$mode")
case $mode in
fsdax) node=$(printf '%s\n' "$out" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p') ;;
devdax) node=$(printf '%s\n' "$out" | sed -n 's/.*"chardev":"\([^"]*\)".*/\1/p') ;;
*) echo "unsupported mode $mode" >&2; exit 2 ;;
esac
[ -n "$node" ] || { echo "ndctl gave no device for $ns in $mode mode: $out" >&2; exit 1; }
n=0
until [ -e "/dev/$node" ] || [ $n -ge 100 ]; do sleep 0.05; n=$((n + 1)); done
[ -e "/dev/$node" ] || { echo "/dev/$node did not appear" >&2; exit 1; }
echo "$key=/dev/$node"
)

slow_disk_sh() (
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
)

dax_mount_sh() (
# dax-mount.sh FS DEVICE MOUNTPOINT [fillable]: make a fresh ext4 or xfs on DEVICE and mount it
# with -o dax; fails unless the kernel really mounted it in DAX mode. fillable: it keeps no
# blocks back (ext4: -m 0 and no reserved clusters; xfs: no reflink's per-AG reservations and no
# reserve pool), so a workload that fills it leaves free only what it frees itself.
set -eu
fs=$1 dev=$2 mnt=$3 fillable=${4:-}
case $fs in
ext4) mkfs.ext4 -q -F -b 4096 -m 0 "$dev" ;;
xfs) mkfs.xfs -q -f -m reflink=0 "$dev" ;;
*) echo "unsupported file system $fs" >&2; exit 2 ;;
esac
mkdir -p "$mnt"
mount -t "$fs" -o dax "$dev" "$mnt"
opts=$(awk -v m="$mnt" '$2 == m { print $4 }' /proc/mounts)
case ",$opts," in
*,dax,* | *,dax=always,*) ;;
*) echo "$mnt is mounted without DAX ($opts)" >&2; umount "$mnt"; exit 1 ;;
esac
if [ "$fillable" = fillable ]; then
	case $fs in
	ext4) echo 0 > "/sys/fs/ext4/${dev##*/}/reserved_clusters" ;;
	xfs) xfs_io -x -c 'resblks 0' "$mnt" > /dev/null ;;
	esac
fi
)

for m in nfit nd_pmem dax_pmem device_dax dm_delay ext4; do
	modprobe "$m" 2>/dev/null || step "modprobe $m failed (built in, or missing)"
done
[ -x "$here/dio-vs-truncate" ] || make -C "$here" dio-vs-truncate >&2
facts=
step 'namespace.sh namespace0.0 fsdax fsdax'
facts="$facts
$(namespace_sh namespace0.0 fsdax fsdax)"
step 'slow-disk.sh /dev/vdb 1000 slow'
facts="$facts
$(slow_disk_sh /dev/vdb 1000 slow)"
fsdax=$(fact fsdax)
[ -n "$fsdax" ] || { echo "repro.sh: the setup printed no fsdax=" >&2; exit 1; }
slowdisk=$(fact slowdisk)
[ -n "$slowdisk" ] || { echo "repro.sh: the setup printed no slowdisk=" >&2; exit 1; }
step 'dax-mount.sh ext4 $fsdax /mnt/race-ext4 fillable'
dax_mount_sh ext4 "$fsdax" /mnt/race-ext4 fillable >&2
step 'dio-vs-truncate truncate /mnt/race-ext4/victim $slowdisk /mnt/race-ext4/new 1048576'
timeout --kill-after=2 60 "$here/dio-vs-truncate" truncate /mnt/race-ext4/victim "$slowdisk" /mnt/race-ext4/new 1048576
step 'umount /mnt/race-ext4'
timeout --kill-after=2 30 umount /mnt/race-ext4 >&2
