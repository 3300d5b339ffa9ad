#define _GNU_SOURCE
#include "map.h"

#include <errno.h>
#include <fcntl.h>
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

void fail(const char *what, int err)
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

int map_from_args(int argc, char **argv, struct mapping *m)
{
	const char *kind = argc > 0 ? argv[0] : "";
	int fd;

	m->dax = "null";
	if (!strcmp(kind, "anon") && argc == 2) {
		m->kind = "anon";
		m->size = strtoull(argv[1], NULL, 0);
		m->buf = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else if ((!strcmp(kind, "file") || !strcmp(kind, "dev")) && argc == 3) {
		m->kind = kind[0] == 'f' ? "file" : "dev";
		m->size = strtoull(argv[2], NULL, 0);
		fd = open(argv[1], O_RDWR | (kind[0] == 'f' ? O_CREAT : 0), 0600);
		if (fd < 0)
			fail("open", errno);
		if (kind[0] == 'f' && ftruncate(fd, m->size))
			fail("ftruncate", errno);
		m->dax = kind[0] == 'f' ? file_dax(fd) : chardev_dax(fd);
		m->buf = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	} else {
		fprintf(stderr, "memory: anon SIZE | file PATH SIZE | dev PATH SIZE\n");
		return -1;
	}
	if (m->buf == MAP_FAILED)
		fail("mmap", errno);
	memset(m->buf, MAP_FILL, m->size);
	return 0;
}

void fill_file(const char *path, unsigned char byte, size_t size)
{
	unsigned char *block = malloc(size);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);

	if (!block || fd < 0)
		fail("open new file", errno);
	memset(block, byte, size);
	if (write(fd, block, size) != (ssize_t)size || fsync(fd))
		fail("write new file", errno);
	close(fd);
	free(block);
}

size_t bytes_not(const char *path, unsigned char byte, size_t size)
{
	unsigned char *block = malloc(size);
	int fd = open(path, O_RDONLY);
	size_t bad = 0;

	if (!block || fd < 0 || pread(fd, block, size, 0) != (ssize_t)size)
		fail("read new file back", errno);
	for (size_t i = 0; i < size; i++)
		bad += block[i] != byte;
	close(fd);
	free(block);
	return bad;
}
