// uring-pin: map one kind of memory and register it as an io_uring fixed buffer
// (IORING_REGISTER_BUFFERS pins it FOLL_LONGTERM, like an RDMA registration); print one JSON line.
//
//   uring-pin anon SIZE | file PATH SIZE | dev PATH SIZE
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "map.h"

int main(int argc, char **argv)
{
	struct io_uring_params params;
	struct mapping m;

	if (map_from_args(argc - 1, argv + 1, &m))
		return 2;
	memset(&params, 0, sizeof(params));
	int ring = syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0)
		fail("io_uring_setup", errno);
	struct iovec iov = { .iov_base = m.buf, .iov_len = m.size };
	int ret = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1);
	int err = ret ? errno : 0;

	printf("{\"kind\":\"%s\",\"dax\":%s,\"registered\":%s,\"errno\":", m.kind, m.dax, ret ? "false" : "true");
	printf(ret ? "%d}\n" : "null}\n", err);
	return 0;
}
