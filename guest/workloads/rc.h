// An RC queue pair over one RDMA device (rxe): opening the device, connecting a QP to a remote
// one (on this device or across the wire), and one signalled RDMA op at a time.
#ifndef ORCHESTRATE_RC_H
#define ORCHESTRATE_RC_H
#include <infiniband/verbs.h>
#include <stddef.h>
#include <stdint.h>

#define RC_ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)

struct rc {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	union ibv_gid gid;
	int gid_index;
};

/* Opens DEVICE (NULL: the first one) with a PD and a CQ; picks an IPv4 (RoCE v2) GID if there is one. */
void rc_open(struct rc *r, const char *device);
struct ibv_qp *rc_qp(struct rc *r);
/* INIT → RTR → RTS against the remote QP number at the remote GID. */
void rc_connect(struct rc *r, struct ibv_qp *qp, uint32_t remote_qpn, const union ibv_gid *remote_gid);
/* Posts one RDMA op of LEN bytes and waits (10 s at most) for its completion; NULL on success. */
const char *rc_transfer(struct rc *r, struct ibv_qp *qp, enum ibv_wr_opcode op, struct ibv_mr *local,
			void *local_addr, size_t len, uint64_t remote_addr, uint32_t rkey);
/* LEN bytes of a pattern that differs per SEED and per offset. */
void rc_fill(unsigned char *p, size_t len, unsigned char seed);

#endif
