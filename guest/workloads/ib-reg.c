// ib-reg: map one kind of memory, try ibv_reg_mr on it, print one JSON line.
//
//   ib-reg [--odp] anon SIZE | file PATH SIZE | dev PATH SIZE
//
// --odp registers with IBV_ACCESS_ON_DEMAND, or prints {"skip":...} when the device has no ODP.
// Exit status: 0 when the attempt was made (registered or refused), 1 on setup errors.
#include <errno.h>
#include <infiniband/verbs.h>
#include <stdio.h>
#include <string.h>

#include "map.h"

static struct ibv_context *open_device(const char **name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx;

	if (!list || !list[0])
		fail("no RDMA device", ENODEV);
	*name = ibv_get_device_name(list[0]);
	ctx = ibv_open_device(list[0]);
	if (!ctx)
		fail("ibv_open_device", errno);
	return ctx;
}

static int has_odp(struct ibv_context *ctx)
{
	struct ibv_device_attr_ex attr;

	memset(&attr, 0, sizeof(attr));
	if (ibv_query_device_ex(ctx, NULL, &attr))
		return 0;
	return !!(attr.odp_caps.general_caps & IBV_ODP_SUPPORT);
}

int main(int argc, char **argv)
{
	int odp = argc > 1 && !strcmp(argv[1], "--odp");
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	struct mapping m;
	const char *device;

	if (map_from_args(argc - 1 - odp, argv + 1 + odp, &m))
		return 2;
	struct ibv_context *ctx = open_device(&device);
	if (odp && !has_odp(ctx)) {
		printf("{\"device\":\"%s\",\"kind\":\"%s\",\"dax\":%s,\"skip\":\"%s reports no ODP support\"}\n",
		       device, m.kind, m.dax, device);
		return 0;
	}
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	if (!pd)
		fail("ibv_alloc_pd", errno);
	struct ibv_mr *mr = ibv_reg_mr(pd, m.buf, m.size, access | (odp ? IBV_ACCESS_ON_DEMAND : 0));
	int err = mr ? 0 : errno;

	printf("{\"device\":\"%s\",\"kind\":\"%s\",\"dax\":%s,\"registered\":%s,\"errno\":",
	       device, m.kind, m.dax, mr ? "true" : "false");
	printf(mr ? "null}\n" : "%d}\n", err);
	if (mr)
		ibv_dereg_mr(mr);
	return 0;
}
