// rdma-loop: an RC queue-pair pair over one RDMA device (rxe) looped back to itself. The memory
// under test is the remote side: RDMA WRITE a pattern into it, RDMA READ another back, verify both.
//
//   rdma-loop [--truncate NEWFILE] anon SIZE | file PATH SIZE | dev PATH SIZE
//
// Prints {"kind","dax","registered","errno","write","read","bytes"}; "write"/"read" are "ok" or
// what went wrong. Exit status: 0 when the transfers were attempted, 1 on setup errors.
// --truncate (files): then fill PATH's file system, truncate PATH to 0, give its space to NEWFILE
// (0x5b), and keep RDMA writing into the still-registered MR; then deregister it (which dirties
// its pages) and read NEWFILE back through the page cache and, after syncfs, from the device.
// Adds "write_after_truncate", "new_file_intact", "mismatched_bytes", "mismatched_on_device",
// "victim_blocks", "blocks_reused" (FIEMAP: late writes must never reach the reallocated blocks).
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "blocks.h"
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

/* Truncates PATH onto NEWFILE, RDMA-writes the MR again, lets it go; puts what NEWFILE holds in OUT (JSON). */
static void truncate_and_write(struct rig *r, const char *path, const char *newfile, struct mapping *m,
			       struct ibv_mr *lmr, struct ibv_mr *mr, char *out, size_t len)
{
	const char *late = NULL;
	struct reuse reuse;

	truncate_onto_freed(path, newfile, m->size, &reuse);
	for (int i = 0; i < LATE_WRITES && !late; i++) {
		fill(lmr->addr, (unsigned char)(13 + i));
		late = transfer(r, IBV_WR_RDMA_WRITE, lmr, mr);
	}
	int err = ibv_dereg_mr(mr);	/* returns the errno value */
	if (err || munmap(m->buf, m->size))
		fail("release the truncated file's MR", err ? err : errno);
	size_t cached = bytes_not(newfile, NEW_FILE_FILL, m->size);
	size_t stored = device_bytes_not(newfile, NEW_FILE_FILL, m->size);

	snprintf(out, len, ",\"write_after_truncate\":\"%s\",\"new_file_intact\":%s,\"mismatched_bytes\":%zu,"
		 "\"mismatched_on_device\":%zu,\"victim_blocks\":%llu,\"blocks_reused\":%llu",
		 late ? late : "ok", cached || stored ? "false" : "true", cached, stored,
		 (unsigned long long)reuse.victim_blocks, (unsigned long long)reuse.blocks_reused);
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

	char after[512] = "";

	if (newfile)
		truncate_and_write(&r, argv[2], newfile, &m, lmr, mr, after, sizeof(after));
	printf("{\"kind\":\"%s\",\"dax\":%s,\"registered\":true,\"errno\":null,\"write\":\"%s\",\"read\":\"%s\","
	       "\"bytes\":%d%s}\n", m.kind, m.dax, write, read, XFER, after);
	return 0;
}
