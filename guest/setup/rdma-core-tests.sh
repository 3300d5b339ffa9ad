#!/bin/sh
# rdma-core-tests.sh DEV: rdma-core's own test suite, which python3-pyverbs ships gzipped in
# /usr/share/doc/rdma-core/tests, unpacked once per boot into /run/orchestrate/rdma-core-tests;
# and the GID index of DEV's RoCE v2 IPv4 address (what lkp-tests' "--gid 1" means). Prints
# tests=DIR and gid=N.
set -eu
dev=$1 dst=/run/orchestrate/rdma-core-tests
if [ ! -d "$dst" ]; then
	rm -rf "$dst.tmp"
	cp -r /usr/share/doc/rdma-core/tests "$dst.tmp"
	gunzip -f "$dst.tmp"/*.gz
	mv "$dst.tmp" "$dst"
fi
port=/sys/class/infiniband/$dev/ports/1
gid=
# The kernel adds the GIDs a moment after the device: wait for the IPv4 one (2 s at most).
n=0
while [ -z "$gid" ] && [ $n -lt 40 ]; do
	for t in "$port"/gid_attrs/types/*; do
		i=${t##*/}
		case $(cat "$port/gids/$i" 2>/dev/null) in
		0000:0000:0000:0000:0000:ffff:*) [ "$(cat "$t" 2>/dev/null)" = "RoCE v2" ] && { gid=$i; break; } ;;
		esac
	done
	[ -n "$gid" ] || { sleep 0.05; n=$((n + 1)); }
done
[ -n "$gid" ] || { echo "$dev has no RoCE v2 IPv4 GID (no IPv4 address on its netdev?)" >&2; exit 1; }
echo "tests=$dst"
echo "gid=$gid"
