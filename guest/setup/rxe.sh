#!/bin/sh
# rxe.sh [NETDEV]: soft-RoCE device rxe0 on NETDEV (eth0); prints rdma=rxe0.
set -eu
netdev=${1:-eth0}
if ! rdma link show rxe0/1 >/dev/null 2>&1; then
	rdma link add rxe0 type rxe netdev "$netdev"
fi
n=0
until [ -e /sys/class/infiniband/rxe0 ] || [ $n -ge 100 ]; do sleep 0.05; n=$((n + 1)); done
[ -e /sys/class/infiniband/rxe0 ] || { echo "rxe0 did not appear" >&2; exit 1; }
echo "rdma=rxe0"
