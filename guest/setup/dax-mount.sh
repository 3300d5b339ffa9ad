#!/bin/sh
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
