// ib-reg: map one kind of memory, try ibv_reg_mr on it, print one JSON line.
//
//   ib-reg anon SIZE
//   ib-reg file PATH SIZE     (created or extended to SIZE, MAP_SHARED)
//   ib-reg dev PATH SIZE      (a character device such as /dev/dax1.0, MAP_SHARED)
//
// "dax" says whether the memory really is DAX: statx STATX_ATTR_DAX for files,
// the dax subsystem for character devices, null for anonymous memory.
// Exit status: 0 when the attempt was made (registered or refused), 1 on setup errors.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <limits.h>
#include <linux/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

static void fail(const char *what, int err)
{
	printf("{\"error\":\"%s: %s\",\"errno\":%d}\n", what, strerror(err), err);
	exit(1);
}

static const char *file_dax(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
		fail("statx", errno);
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return "null";
	return (stx.stx_attributes & STATX_ATTR_DAX) ? "true" : "false";
}

static const char *chardev_dax(int fd)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st))
		fail("fstat", errno);
	if (!S_ISCHR(st.st_mode))
		return "false";
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/subsystem",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return "false";
	target[n] = '\0';
	return strcmp(strrchr(target, '/'), "/dax") ? "false" : "true";
}

static struct ibv_pd *open_pd(const char **name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx;
	struct ibv_pd *pd;

	if (!list || !list[0])
		fail("no RDMA device", ENODEV);
	*name = ibv_get_device_name(list[0]);
	ctx = ibv_open_device(list[0]);
	if (!ctx)
		fail("ibv_open_device", errno);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		fail("ibv_alloc_pd", errno);
	return pd;
}

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "", *dax = "null", *device;
	size_t size;
	void *buf;
	int fd = -1;

	if (!strcmp(kind, "anon") && argc == 3) {
		size = strtoull(argv[2], NULL, 0);
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else if ((!strcmp(kind, "file") || !strcmp(kind, "dev")) && argc == 4) {
		size = strtoull(argv[3], NULL, 0);
		fd = open(argv[2], O_RDWR | (kind[0] == 'f' ? O_CREAT : 0), 0600);
		if (fd < 0)
			fail("open", errno);
		if (kind[0] == 'f' && ftruncate(fd, size))
			fail("ftruncate", errno);
		dax = kind[0] == 'f' ? file_dax(fd) : chardev_dax(fd);
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	} else {
		fprintf(stderr, "usage: ib-reg anon SIZE | file PATH SIZE | dev PATH SIZE\n");
		return 2;
	}
	if (buf == MAP_FAILED)
		fail("mmap", errno);
	memset(buf, 0x5a, size);

	struct ibv_pd *pd = open_pd(&device);
	struct ibv_mr *mr = ibv_reg_mr(pd, buf, size, IBV_ACCESS_LOCAL_WRITE |
				       IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	int err = mr ? 0 : errno;

	printf("{\"device\":\"%s\",\"kind\":\"%s\",\"dax\":%s,\"registered\":%s,\"errno\":",
	       device, kind, dax, mr ? "true" : "false");
	printf(mr ? "null}\n" : "%d}\n", err);
	if (mr)
		ibv_dereg_mr(mr);
	return 0;
}
