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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "rc.h"

#define XFER (64 * 1024)

struct rig {
	struct rc rc;
	struct ibv_qp *qp[2];
};

static void setup(struct rig *r)
{
	rc_open(&r->rc, NULL);
	r->qp[0] = rc_qp(&r->rc);
	r->qp[1] = rc_qp(&r->rc);
	rc_connect(&r->rc, r->qp[0], r->qp[1]->qp_num, &r->rc.gid);
	rc_connect(&r->rc, r->qp[1], r->qp[0]->qp_num, &r->rc.gid);
}

/* Posts one RDMA op on qp[0] against the remote MR and waits for its completion. */
static const char *transfer(struct rig *r, enum ibv_wr_opcode op, struct ibv_mr *local, struct ibv_mr *remote)
{
	return rc_transfer(&r->rc, r->qp[0], op, local, local->addr, XFER, (uintptr_t)remote->addr, remote->rkey);
}

static void fill(unsigned char *p, unsigned char seed)
{
	rc_fill(p, XFER, seed);
}

static const char *outcome(const char *failed, const void *a, const void *b)
{
	if (failed)
		return failed;
	return memcmp(a, b, XFER) ? "data mismatch" : "ok";
}

/* Truncates PATH, fills NEWFILE with the new pattern, RDMA-writes the MR again; returns how many new-file bytes changed. */
static size_t truncate_and_write(struct rig *r, const char *path, const char *newfile, size_t size,
				 struct ibv_mr *lmr, struct ibv_mr *mr, const char **late)
{
	truncate_and_reallocate(path, newfile, size);
	*late = NULL;
	for (int i = 0; i < LATE_WRITES && !*late; i++) {
		fill(lmr->addr, (unsigned char)(13 + i));
		*late = transfer(r, IBV_WR_RDMA_WRITE, lmr, mr);
	}
	return bytes_not(newfile, NEW_FILE_FILL, size);
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
	struct ibv_mr *lmr = ibv_reg_mr(r.rc.pd, local, XFER, RC_ACCESS);
	if (!lmr)
		fail("ibv_reg_mr (local buffer)", errno);
	struct ibv_mr *mr = ibv_reg_mr(r.rc.pd, m.buf, m.size, RC_ACCESS);
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
