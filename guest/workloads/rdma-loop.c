// rdma-loop: an RC queue-pair pair over one RDMA device (rxe) looped back to itself. The memory
// under test is the remote side: RDMA WRITE a pattern into it, RDMA READ another back, verify both.
//
//   rdma-loop [--truncate NEWFILE] anon SIZE | file PATH SIZE | dev PATH SIZE
//
// Prints {"kind","dax","registered","errno","write","read","bytes"}; "write"/"read" are "ok" or
// what went wrong. Exit status: 0 when the transfers were attempted, 1 on setup errors.
// --truncate (files): then truncate PATH to 0, give its space to NEWFILE (0x5b), and keep RDMA
// writing into the still-registered MR; adds "write_after_truncate", "new_file_intact",
// "mismatched_bytes": late writes must never reach the reallocated blocks.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "map.h"

#define XFER (64 * 1024)
#define ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)

struct rig {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];
	union ibv_gid gid;
};

static struct ibv_qp *make_qp(struct rig *r)
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

static void connect_qp(struct rig *r, struct ibv_qp *qp, uint32_t remote_qpn)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = 1, .qp_access_flags = ACCESS };

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		fail("ibv_modify_qp INIT", errno);
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = remote_qpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = r->gid;
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

static void setup(struct rig *r)
{
	struct ibv_device **list = ibv_get_device_list(NULL);

	if (!list || !list[0])
		fail("no RDMA device", ENODEV);
	r->ctx = ibv_open_device(list[0]);
	if (!r->ctx)
		fail("ibv_open_device", errno);
	r->pd = ibv_alloc_pd(r->ctx);
	r->cq = ibv_create_cq(r->ctx, 8, NULL, NULL, 0);
	if (!r->pd || !r->cq)
		fail("ibv_alloc_pd/ibv_create_cq", errno);
	if (ibv_query_gid(r->ctx, 1, 0, &r->gid))
		fail("ibv_query_gid", errno);
	r->qp[0] = make_qp(r);
	r->qp[1] = make_qp(r);
	connect_qp(r, r->qp[0], r->qp[1]->qp_num);
	connect_qp(r, r->qp[1], r->qp[0]->qp_num);
}

/* Posts one RDMA op on qp[0] against the remote MR and waits for its completion. */
static const char *transfer(struct rig *r, enum ibv_wr_opcode op, struct ibv_mr *local, struct ibv_mr *remote)
{
	struct ibv_sge sge = { .addr = (uintptr_t)local->addr, .length = XFER, .lkey = local->lkey };
	struct ibv_send_wr wr = {
		.wr_id = op, .sg_list = &sge, .num_sge = 1, .opcode = op, .send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = (uintptr_t)remote->addr, .rkey = remote->rkey },
	}, *bad;
	struct ibv_wc wc;
	time_t deadline = time(NULL) + 10;
	int n;

	if (ibv_post_send(r->qp[0], &wr, &bad))
		return "post failed";
	while ((n = ibv_poll_cq(r->cq, 1, &wc)) == 0)
		if (time(NULL) > deadline)
			return "no completion in 10 s";
	if (n < 0)
		return "poll failed";
	return wc.status == IBV_WC_SUCCESS ? NULL : ibv_wc_status_str(wc.status);
}

static void fill(unsigned char *p, unsigned char seed)
{
	for (size_t i = 0; i < XFER; i++)
		p[i] = (unsigned char)(seed + i * 31);
}

static const char *outcome(const char *failed, const void *a, const void *b)
{
	if (failed)
		return failed;
	return memcmp(a, b, XFER) ? "data mismatch" : "ok";
}

#define NEW_PATTERN 0x5b
#define LATE_WRITES 8

/* Truncates PATH, fills NEWFILE with the new pattern, RDMA-writes the MR again; returns how many new-file bytes changed. */
static size_t truncate_and_write(struct rig *r, const char *path, const char *newfile, size_t size,
				 struct ibv_mr *lmr, struct ibv_mr *mr, const char **late)
{
	int fd = open(path, O_RDWR);

	if (fd < 0 || ftruncate(fd, 0) || fsync(fd))
		fail("truncate the registered file", errno);
	close(fd);
	fill_file(newfile, NEW_PATTERN, size);
	*late = NULL;
	for (int i = 0; i < LATE_WRITES && !*late; i++) {
		fill(lmr->addr, (unsigned char)(13 + i));
		*late = transfer(r, IBV_WR_RDMA_WRITE, lmr, mr);
	}
	return bytes_not(newfile, NEW_PATTERN, size);
}

int main(int argc, char **argv)
{
	struct mapping m;
	struct rig r;
	const char *newfile = NULL;

	if (argc > 2 && !strcmp(argv[1], "--truncate")) {
		newfile = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (map_from_args(argc - 1, argv + 1, &m))
		return 2;
	if (newfile && strcmp(m.kind, "file"))
		fail("--truncate needs a file", EINVAL);
	if (m.size < XFER)
		fail("size below one transfer", EINVAL);
	setup(&r);
	unsigned char *local = aligned_alloc(4096, XFER), *expect = malloc(XFER);
	struct ibv_mr *lmr = ibv_reg_mr(r.pd, local, XFER, ACCESS);
	if (!lmr)
		fail("ibv_reg_mr (local buffer)", errno);
	struct ibv_mr *mr = ibv_reg_mr(r.pd, m.buf, m.size, ACCESS);
	if (!mr) {
		printf("{\"kind\":\"%s\",\"dax\":%s,\"registered\":false,\"errno\":%d}\n", m.kind, m.dax, errno);
		return 0;
	}

	fill(local, 7);
	memcpy(expect, local, XFER);
	const char *write = outcome(transfer(&r, IBV_WR_RDMA_WRITE, lmr, mr), m.buf, expect);
	fill(m.buf, 101);
	memset(local, 0, XFER);
	const char *read = outcome(transfer(&r, IBV_WR_RDMA_READ, lmr, mr), local, m.buf);

	printf("{\"kind\":\"%s\",\"dax\":%s,\"registered\":true,\"errno\":null,\"write\":\"%s\",\"read\":\"%s\",\"bytes\":%d",
	       m.kind, m.dax, write, read, XFER);
	if (newfile) {
		const char *late;
		size_t bad = truncate_and_write(&r, argv[2], newfile, m.size, lmr, mr, &late);

		printf(",\"write_after_truncate\":\"%s\",\"new_file_intact\":%s,\"mismatched_bytes\":%zu",
		       late ? late : "ok", bad ? "false" : "true", bad);
	}
	printf("}\n");
	return 0;
}
