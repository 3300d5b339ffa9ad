// rdma-pair: an RC transfer between two guests over rxe. The server registers the memory under
// test and hands its address and rkey to the client over TCP; the client RDMA WRITEs the whole
// region, the server checks it, refills it, and the client RDMA READs it back and checks it.
//
//   rdma-pair server [--device DEV] [--truncate NEWFILE] PORT anon SIZE | file PATH SIZE | dev PATH SIZE
//   rdma-pair client [--device DEV] ADDR PORT
//
// The server prints {"kind","dax","registered","errno","write","read","bytes"} like rdma-loop;
// the client prints {"role":"client","remote_registered",...}. Exit 0 when the exchange ran.
// --truncate (files): then the server fills PATH's file system, truncates PATH, gives its space to
// NEWFILE (0x5b), and the client RDMA-writes the still-registered region 8 more times; the server
// deregisters it and reads NEWFILE back (page cache, and the device after syncfs) and adds
// "write_after_truncate", "new_file_intact", "mismatched_bytes", "mismatched_on_device",
// "victim_blocks", "blocks_reused" (FIEMAP), like rdma-loop.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "blocks.h"
#include "map.h"
#include "rc.h"

#define XFER (64 * 1024)
#define WAIT_SECONDS 30
#define WRITE_SEED 7
#define READ_SEED 101

struct hello {
	uint32_t qpn;
	union ibv_gid gid;
	int32_t registered;
	int32_t err;
	uint64_t addr;
	uint64_t size;
	uint32_t rkey;
};

/* The observation, printed whole at the end so an error midway leaves one clean JSON line. */
static char observation[1024];

static void note_json(const char *fmt, ...)
{
	size_t used = strlen(observation);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(observation + used, sizeof(observation) - used, fmt, ap);
	va_end(ap);
}

struct note {
	char tag;
	char text[63];
};

static void send_all(int fd, const void *p, size_t len)
{
	if (send(fd, p, len, MSG_NOSIGNAL) != (ssize_t)len)
		fail("send to the peer", errno);
}

static void recv_all(int fd, void *p, size_t len)
{
	ssize_t n = recv(fd, p, len, MSG_WAITALL);

	if (n != (ssize_t)len)
		fail(n == 0 ? "the peer hung up" : "receive from the peer", n < 0 ? errno : EPIPE);
}

static void tell(int fd, char tag, const char *text)
{
	struct note n = { .tag = tag };

	snprintf(n.text, sizeof(n.text), "%s", text);
	send_all(fd, &n, sizeof(n));
}

/* The next note; TAGS lists the ones allowed here. */
static struct note heard(int fd, const char *tags)
{
	struct note n;

	recv_all(fd, &n, sizeof(n));
	n.text[sizeof(n.text) - 1] = 0;
	if (!n.tag || !strchr(tags, n.tag))
		fail("the peer broke the protocol", EPROTO);
	return n;
}

static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = WAIT_SECONDS };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int accept_one(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0), c;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1))
		fail("listen for the client", errno);
	timeouts(fd);
	c = accept(fd, NULL, NULL);
	if (c < 0)
		fail("no client within 30 s", errno);
	close(fd);
	timeouts(c);
	return c;
}

static int connect_retrying(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	time_t deadline = time(NULL) + WAIT_SECONDS;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		fail("bad server address", EINVAL);
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			timeouts(fd);
			return fd;
		}
		int err = errno;
		close(fd);
		if (time(NULL) > deadline)
			fail("no server within 30 s", err);
		usleep(100 * 1000);
	}
}

/* OP over the whole remote region, XFER bytes per work request. */
static const char *sweep(struct rc *r, struct ibv_qp *qp, enum ibv_wr_opcode op, struct ibv_mr *local,
			 const struct hello *remote)
{
	for (uint64_t off = 0; off < remote->size; off += XFER) {
		size_t len = remote->size - off < XFER ? remote->size - off : XFER;
		const char *failed = rc_transfer(r, qp, op, local, (char *)local->addr + off, len, remote->addr + off, remote->rkey);

		if (failed)
			return failed;
	}
	return NULL;
}

static const char *matches(const unsigned char *p, size_t size, unsigned char seed)
{
	unsigned char *want = malloc(size);
	int same;

	rc_fill(want, size, seed);
	same = !memcmp(p, want, size);
	free(want);
	return same ? "ok" : "data mismatch";
}

/* Truncates PATH onto NEWFILE while the client keeps writing, then lets the MR go; adds to the JSON. */
static void truncate_under_writes(int fd, const char *path, const char *newfile, struct mapping *m, struct ibv_mr *mr)
{
	struct reuse reuse;

	truncate_onto_freed(path, newfile, m->size, &reuse);
	tell(fd, 'T', "truncated");
	struct note late = heard(fd, "L");
	int err = ibv_dereg_mr(mr);	/* returns the errno value */
	if (err || munmap(m->buf, m->size))
		fail("release the truncated file's MR", err ? err : errno);
	size_t cached = bytes_not(newfile, NEW_FILE_FILL, m->size);
	size_t stored = device_bytes_not(newfile, NEW_FILE_FILL, m->size);

	note_json(",\"write_after_truncate\":\"%s\",\"new_file_intact\":%s,\"mismatched_bytes\":%zu,"
		  "\"mismatched_on_device\":%zu,\"victim_blocks\":%llu,\"blocks_reused\":%llu",
		  late.text, cached || stored ? "false" : "true", cached, stored,
		  (unsigned long long)reuse.victim_blocks, (unsigned long long)reuse.blocks_reused);
}

static int server(struct rc *r, int port, struct mapping *m, const char *path, const char *newfile)
{
	struct ibv_qp *qp = rc_qp(r);
	struct ibv_mr *mr = ibv_reg_mr(r->pd, m->buf, m->size, RC_ACCESS);
	struct hello me = { .qpn = qp->qp_num, .gid = r->gid, .registered = !!mr, .err = mr ? 0 : errno, .size = m->size };
	struct hello peer;
	int fd;

	if (mr) {
		me.addr = (uintptr_t)m->buf;
		me.rkey = mr->rkey;
	}
	fd = accept_one(port);
	send_all(fd, &me, sizeof(me));
	recv_all(fd, &peer, sizeof(peer));
	if (!mr) {
		printf("{\"kind\":\"%s\",\"dax\":%s,\"registered\":false,\"errno\":%d}\n", m->kind, m->dax, me.err);
		return 0;
	}
	rc_connect(r, qp, peer.qpn, &peer.gid);
	tell(fd, 'Q', "ready");
	struct note wrote = heard(fd, "W");
	const char *write = strcmp(wrote.text, "ok") ? wrote.text : matches(m->buf, m->size, WRITE_SEED);
	rc_fill(m->buf, m->size, READ_SEED);
	tell(fd, 'F', "filled");
	struct note read = heard(fd, "R");
	note_json("{\"kind\":\"%s\",\"dax\":%s,\"registered\":true,\"errno\":null,\"write\":\"%s\",\"read\":\"%s\",\"bytes\":%zu",
		  m->kind, m->dax, write, read.text, m->size);
	if (newfile)
		truncate_under_writes(fd, path, newfile, m, mr);
	else
		tell(fd, 'E', "done");
	printf("%s}\n", observation);
	return 0;
}

static int client(struct rc *r, const char *addr, int port)
{
	struct ibv_qp *qp = rc_qp(r);
	struct hello me = { .qpn = qp->qp_num, .gid = r->gid }, peer;
	int fd = connect_retrying(addr, port);

	recv_all(fd, &peer, sizeof(peer));
	send_all(fd, &me, sizeof(me));
	if (!peer.registered) {
		printf("{\"role\":\"client\",\"remote_registered\":false,\"remote_errno\":%d}\n", peer.err);
		return 0;
	}
	unsigned char *buf = aligned_alloc(4096, (peer.size + 4095) & ~4095UL);
	struct ibv_mr *mr = buf ? ibv_reg_mr(r->pd, buf, peer.size, RC_ACCESS) : NULL;
	if (!mr)
		fail("ibv_reg_mr (client buffer)", errno);
	rc_connect(r, qp, peer.qpn, &peer.gid);
	heard(fd, "Q");
	rc_fill(buf, peer.size, WRITE_SEED);
	const char *wrote = sweep(r, qp, IBV_WR_RDMA_WRITE, mr, &peer);
	tell(fd, 'W', wrote ? wrote : "ok");
	heard(fd, "F");
	memset(buf, 0, peer.size);
	const char *failed = sweep(r, qp, IBV_WR_RDMA_READ, mr, &peer);
	const char *read = failed ? failed : matches(buf, peer.size, READ_SEED);
	tell(fd, 'R', read);
	note_json("{\"role\":\"client\",\"remote_registered\":true,\"write\":\"%s\",\"read\":\"%s\",\"bytes\":%llu",
		  wrote ? wrote : "completed", read, (unsigned long long)peer.size);
	if (heard(fd, "TE").tag == 'T') {
		const char *late = NULL;

		for (int i = 0; i < LATE_WRITES && !late; i++) {
			rc_fill(buf, peer.size, (unsigned char)(13 + i));
			late = sweep(r, qp, IBV_WR_RDMA_WRITE, mr, &peer);
		}
		tell(fd, 'L', late ? late : "ok");
		note_json(",\"write_after_truncate\":\"%s\"", late ? late : "ok");
	}
	printf("%s}\n", observation);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: rdma-pair server [--device DEV] [--truncate NEWFILE] PORT anon SIZE | file PATH SIZE | dev PATH SIZE\n"
			"       rdma-pair client [--device DEV] ADDR PORT\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *device = NULL, *newfile = NULL;
	struct mapping m;
	struct rc r;

	if (argc < 3)
		return usage();
	const char *role = argv[1];
	argv += 2;
	argc -= 2;
	if (argc > 2 && !strcmp(argv[0], "--device")) {
		device = argv[1];
		argv += 2;
		argc -= 2;
	}
	if (!strcmp(role, "server") && argc > 2 && !strcmp(argv[0], "--truncate")) {
		newfile = argv[1];
		argv += 2;
		argc -= 2;
	}
	if (!strcmp(role, "server") && argc >= 2) {
		if (map_from_args(argc - 1, argv + 1, &m))
			return 2;
		if (newfile && strcmp(m.kind, "file"))
			fail("--truncate needs a file", EINVAL);
		rc_open(&r, device);
		return server(&r, atoi(argv[0]), &m, argv[2], newfile);
	}
	if (!strcmp(role, "client") && argc == 2) {
		rc_open(&r, device);
		return client(&r, argv[0], atoi(argv[1]));
	}
	return usage();
}
