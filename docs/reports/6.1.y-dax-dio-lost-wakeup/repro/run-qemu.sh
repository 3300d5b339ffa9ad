#!/bin/sh
# Boots a kernel in the machine of orchestrate run 20261204T154517-141j (QEMU 7.2.22, tcg), with
# plain QEMU. Files are relative to this directory unless absolute (see README):
#   KERNEL, INITRD (or none), ROOTFS (opened with snapshot=on: never written),
#   APPEND (more kernel arguments), SSH_PORT (the guest's port 22 on 127.0.0.1),
#   ACCEL and CPU (ACCEL=kvm CPU=host for KVM).
# The NVDIMM backing files and the scratch disk are made anew, empty and sparse, in work/.
set -eu
cd "$(dirname "$0")"
SSH_PORT=${SSH_PORT:-10022}
ACCEL=${ACCEL:-tcg,thread=multi}
CPU=${CPU:-max}
KERNEL=${KERNEL:-vmlinux}
INITRD=${INITRD:-initrd.cpio}
ROOTFS=${ROOTFS:-rootfs.ext4}
qv() { printf '%s' "$1" | sed 's/,/,,/g'; }
need() { [ -e "$1" ] || { echo "run-qemu.sh: $1: no such file (see README)" >&2; exit 2; }; }
need "$KERNEL"; need "$ROOTFS"; [ "$INITRD" = none ] || need "$INITRD"
mkdir -p work
rm -f work/scratch.img
truncate -s 1G work/scratch.img
rm -f work/nvdimm0.img
truncate -s 514M work/nvdimm0.img
rm -f work/nvdimm1.img
truncate -s 1026M work/nvdimm1.img
set --
set -- "$@" -nodefaults
set -- "$@" -no-user-config
set -- "$@" -display none
set -- "$@" -no-reboot
set -- "$@" -machine pc,nvdimm=on
set -- "$@" -accel "$ACCEL"
set -- "$@" -cpu "$CPU"
set -- "$@" -smp 2
set -- "$@" -m 2G,slots=4,maxmem=8G
set -- "$@" -kernel "$KERNEL"
[ "$INITRD" = none ] || set -- "$@" -initrd "$INITRD"
set -- "$@" -append 'console=ttyS0 printk.devkmsg=on log_buf_len=4M panic=-1 tsc=reliable no_timer_check i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd'"${APPEND:+ $APPEND}"
set -- "$@" -chardev stdio,id=console,signal=off
set -- "$@" -serial chardev:console
set -- "$@" -drive file="$(qv "$ROOTFS")",if=virtio,format=raw,snapshot=on,cache=unsafe
set -- "$@" -drive file=work/scratch.img,if=virtio,format=raw,cache=unsafe
set -- "$@" -netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:"$SSH_PORT"-:22
set -- "$@" -device virtio-net-pci,netdev=net0
set -- "$@" -object memory-backend-file,id=nvdimm0-mem,share=on,mem-path=work/nvdimm0.img,size=514M
set -- "$@" -device nvdimm,id=nvdimm0,memdev=nvdimm0-mem,label-size=2M
set -- "$@" -object memory-backend-file,id=nvdimm1-mem,share=on,mem-path=work/nvdimm1.img,size=1026M
set -- "$@" -device nvdimm,id=nvdimm1,memdev=nvdimm1-mem,label-size=2M
exec qemu-system-x86_64 "$@"
