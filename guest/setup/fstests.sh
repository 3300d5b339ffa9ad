#!/bin/sh
# fstests.sh config FS TEST_DEV SCRATCH_DEV RESULTS CONFIG: make FS on TEST_DEV and write CONFIG,
# what check reads (HOST_OPTIONS) to test FS on the two fs-DAX devices, results under RESULTS.
# ext4: -b 4096 (DAX needs the block size to be the page size), mounted -o dax. xfs: reflink and
# rmapbt, as the dax group's xfs/550-552 require (_require_scratch_reflink,
# _require_xfs_scratch_rmapbt), mounted -o dax=always.
set -eu
case $1 in
config)
	fs=$2 test=$3 scratch=$4 results=$5 config=$6
	case $fs in
	ext4) mkfs="-b 4096" mount="-o dax"; mkfs.ext4 -q -F -b 4096 "$test" ;;
	xfs) mkfs="-m reflink=1,rmapbt=1" mount="-o dax=always"; mkfs.xfs -q -f -m reflink=1,rmapbt=1 "$test" ;;
	*) echo "unsupported file system $fs" >&2; exit 2 ;;
	esac
	mkdir -p /mnt/fstests-test /mnt/fstests-scratch
	rm -rf "$results"
	cat > "$config" <<EOC
export FSTYP=$fs
export TEST_DEV=$test
export TEST_DIR=/mnt/fstests-test
export SCRATCH_DEV=$scratch
export SCRATCH_MNT=/mnt/fstests-scratch
export MKFS_OPTIONS="$mkfs"
export MOUNT_OPTIONS="$mount"
export TEST_FS_MOUNT_OPTS="$mount"
export RESULT_BASE=$results
EOC
	;;
*) echo "usage: fstests.sh config FS TEST_DEV SCRATCH_DEV RESULTS CONFIG" >&2; exit 2 ;;
esac
