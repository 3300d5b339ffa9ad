#!/bin/sh
# share-mount.sh TAG DIR: mount the host directory QEMU exports over virtio-9p as TAG at DIR (the
# host's own path). cache=mmap: writes reach the host at once, and shared writable mmap works.
set -eu
tag=$1 dir=$2
mkdir -p "$dir"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=mmap "$tag" "$dir"
echo "share=$dir"
