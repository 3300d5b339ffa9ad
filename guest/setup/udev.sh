#!/bin/sh
# udev.sh: starts systemd-udevd and systemd-journald once per boot; waits for the devices udev
# finds to settle. Our guest boots without them; suites written for a systemd machine need udev's
# /dev links (dm's /dev/mapper nodes for dmsetup's udev sync, /dev/disk/by-id for multipath
# devices) and read the kernel's lines with journalctl -k (ndctl's check_dmesg).
set -eu
pidof systemd-udevd >/dev/null && exit 0
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald >/dev/null 2>&1 &
/lib/systemd/systemd-udevd --daemon
# A kernel without inotify or file handles lets udevd start and then exit: say so, not hang later.
udevadm control --ping --timeout=10 || { echo "systemd-udevd is not running (does the kernel have INOTIFY_USER and FHANDLE?)" >&2; exit 1; }
udevadm trigger --action=add
udevadm settle --timeout=60
