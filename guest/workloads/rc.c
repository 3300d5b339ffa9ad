// See rc.h.
#include <errno.h>
#include <string.h>
#include <time.h>

#include "map.h"
#include "rc.h"

static int ipv4_gid(const union ibv_gid *g)
{
	static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(g->raw, prefix, sizeof(prefix));
}

static void pick_gid(struct rc *r)
{
	union ibv_gid g;

	if (ibv_query_gid(r->ctx, 1, 0, &r->gid))
		fail("ibv_query_gid", errno);
	r->gid_index = 0;
	for (int i = 1; i < 16 && !ibv_query_gid(r->ctx, 1, i, &g); i++)
		if (ipv4_gid(&g)) {
			r->gid = g;
			r->gid_index = i;
			return;
		}
}

void rc_open(struct rc *r, const char *device)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_device *dev = NULL;

	for (int i = 0; list && list[i] && !dev; i++)
		if (!device || !strcmp(ibv_get_device_name(list[i]), device))
			dev = list[i];
	if (!dev)
		fail(device ? device : "no RDMA device", ENODEV);
	r->ctx = ibv_open_device(dev);
	if (!r->ctx)
		fail("ibv_open_device", errno);
	r->pd = ibv_alloc_pd(r->ctx);
	r->cq = ibv_create_cq(r->ctx, 8, NULL, NULL, 0);
	if (!r->pd || !r->cq)
		fail("ibv_alloc_pd/ibv_create_cq", errno);
	pick_gid(r);
}

struct ibv_qp *rc_qp(struct rc *r)
{
	struct ibv_qp_init_attr init = {
		.send_cq = r->cq, .recv_cq = r->cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4, .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_qp *qp = ibv_create_qp(r->pd, &init);

	if (!qp)
		fail("ibv_create_qp", errno);
	return qp;
}

void rc_connect(struct rc *r, struct ibv_qp *qp, uint32_t remote_qpn, const union ibv_gid *remote_gid)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = 1, .qp_access_flags = RC_ACCESS };

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		fail("ibv_modify_qp INIT", errno);
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = remote_qpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = *remote_gid;
	a.ah_attr.grh.sgid_index = r->gid_index;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		fail("ibv_modify_qp RTR", errno);
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			  IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
		fail("ibv_modify_qp RTS", errno);
}

const char *rc_transfer(struct rc *r, struct ibv_qp *qp, enum ibv_wr_opcode op, struct ibv_mr *local,
			void *local_addr, size_t len, uint64_t remote_addr, uint32_t rkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)local_addr, .length = (uint32_t)len, .lkey = local->lkey };
	struct ibv_send_wr wr = {
		.wr_id = op, .sg_list = &sge, .num_sge = 1, .opcode = op, .send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = remote_addr, .rkey = rkey },
	}, *bad;
	struct ibv_wc wc;
	time_t deadline = time(NULL) + 10;
	int n;

	if (ibv_post_send(qp, &wr, &bad))
		return "post failed";
	while ((n = ibv_poll_cq(r->cq, 1, &wc)) == 0)
		if (time(NULL) > deadline)
			return "no completion in 10 s";
	if (n < 0)
		return "poll failed";
	return wc.status == IBV_WC_SUCCESS ? NULL : ibv_wc_status_str(wc.status);
}

void rc_fill(unsigned char *p, size_t len, unsigned char seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i * 31 + (i >> 12));
}
