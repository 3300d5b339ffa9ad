#!/bin/sh
# rxe.sh [NETDEV [NAME]]: soft-RoCE device NAME (rxe0) on NETDEV (eth0); prints rdma=NAME.
set -eu
netdev=${1:-eth0} name=${2:-rxe0}
if ! rdma link show "$name/1" >/dev/null 2>&1; then
	rdma link add "$name" type rxe netdev "$netdev"
fi
n=0
until [ -e "/sys/class/infiniband/$name" ] || [ $n -ge 100 ]; do sleep 0.05; n=$((n + 1)); done
[ -e "/sys/class/infiniband/$name" ] || { echo "$name did not appear" >&2; exit 1; }
echo "rdma=$name"
