#!/bin/sh
# rdma-smoke.sh server|client TOOL DEV SERVER_IP: the RDMA smoke tools between two guests
# (ibv_rc_pingpong, rping, ib_write_bw, ib_read_lat) on soft-RoCE device DEV, RoCE v2 over IPv4.
# The server serves one client; the client tries to connect for 30 s (the server starts at the
# same time) and prints one JSON line: {"tool","role","result","exit",...figures}.
set -u
role=$1 tool=$2 dev=$3 ip=$4
out=/run/orchestrate/smoke-$tool-$role.out

gid_v4_index() {
	d=/sys/class/infiniband/$dev/ports/1
	for g in "$d"/gids/*; do
		n=${g##*/}
		case $(cat "$g" 2>/dev/null) in
		0000:0000:0000:0000:0000:ffff:*) [ "$(cat "$d/gid_attrs/types/$n" 2>/dev/null)" = "RoCE v2" ] && { echo "$n"; return 0; } ;;
		esac
	done
	return 1
}

n=0
until gid=$(gid_v4_index); do
	[ $n -ge 40 ] && { echo "{\"tool\":\"$tool\",\"role\":\"$role\",\"error\":\"$dev has no RoCE v2 IPv4 GID\"}"; exit 1; }
	sleep 0.05; n=$((n + 1))
done
peer=
[ "$role" = client ] && peer=$ip
case $tool in
ibv_rc_pingpong) set -- ibv_rc_pingpong -d "$dev" -g "$gid" -n 200 -s 4096 $peer ;;
rping) [ "$role" = client ] && set -- rping -c -a "$ip" -v -V -C 10 || set -- rping -s -a "$ip" -v -C 10 ;;
ib_write_bw) set -- ib_write_bw -d "$dev" -x "$gid" -F -s 65536 -n 200 $peer ;;
ib_read_lat) set -- ib_read_lat -d "$dev" -x "$gid" -F -s 64 -n 200 $peer ;;
*) echo "{\"error\":\"unknown tool $tool\"}"; exit 2 ;;
esac

if [ "$role" = server ]; then
	"$@" > "$out" 2>&1
	code=$?
else
	n=0
	while :; do
		"$@" > "$out" 2>&1
		code=$?
		[ $code -eq 0 ] || ! grep -qiE "couldn't connect|unable to connect|connection refused|RDMA_CM_EVENT_(REJECTED|CONNECT_ERROR|UNREACHABLE)" "$out" || [ $n -ge 60 ] && break
		sleep 0.5; n=$((n + 1))
	done
fi

figures=$(awk -v tool="$tool" '
	tool == "ibv_rc_pingpong" && / bytes in .* Mbit\/sec$/ { printf ",\"mbit_s\":%s", $(NF-1) }
	tool == "ibv_rc_pingpong" && / iters in .* usec\/iter$/ { printf ",\"usec_per_iter\":%s", $(NF-1) }
	tool == "rping" && /ping data: rdma-ping-/ { pings++ }
	tool == "ib_write_bw" && /^[ \t]*[0-9]+[ \t]+[0-9]+[ \t]+[0-9.]+[ \t]+[0-9.]+[ \t]+[0-9.]+[ \t]*$/ { printf ",\"bw_peak_mb_s\":%s,\"bw_avg_mb_s\":%s,\"msg_rate_mpps\":%s", $3, $4, $5 }
	tool == "ib_read_lat" && NF == 9 && /^[ \t]*[0-9]+[ \t]+[0-9]+[ \t]+[0-9.]+[ \t]+[0-9.]+/ { printf ",\"lat_min_us\":%s,\"lat_typical_us\":%s,\"lat_avg_us\":%s,\"lat_p99_us\":%s", $3, $5, $6, $8 }
	END { if (tool == "rping") printf ",\"pings\":%d", pings }' "$out")
last=$(grep -vE '^[[:space:]-]*$' "$out" | tail -n 1 | tr -d '"\\\t' | cut -c1-200)
result=ok
[ $code -eq 0 ] || result=failed
echo "{\"tool\":\"$tool\",\"role\":\"$role\",\"result\":\"$result\",\"exit\":$code$figures,\"last\":\"$last\"}"
