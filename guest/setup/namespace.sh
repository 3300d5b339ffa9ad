#!/bin/sh
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
