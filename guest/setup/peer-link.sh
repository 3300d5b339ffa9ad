#!/bin/sh
# peer-link.sh MAC ADDR/PREFIX RDMA_NAME: give the NIC with MAC (the link to the other guest) the
# address, bring it up, and put soft-RoCE device RDMA_NAME on it; prints link=NETDEV and rdma=NAME.
set -eu
mac=$1 addr=$2 name=$3
dev=
for d in /sys/class/net/*; do
	[ "$(cat "$d/address")" = "$mac" ] && dev=${d##*/}
done
[ -n "$dev" ] || { echo "no NIC with MAC $mac" >&2; exit 1; }
ip addr flush dev "$dev"
ip addr add "$addr" dev "$dev"
ip link set "$dev" up
echo "link=$dev"
exec "$(dirname "$0")/rxe.sh" "$dev" "$name"
