#define _GNU_SOURCE
#include "blocks.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "map.h"

void extents_of(const char *path, size_t size, struct extents *out)
{
	struct fiemap *fm = calloc(1, sizeof(*fm) + MAX_EXTENTS * sizeof(struct fiemap_extent));
	int fd = open(path, O_RDONLY);

	if (!fm || fd < 0)
		fail("open for FIEMAP", errno);
	fm->fm_length = size;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = MAX_EXTENTS;
	if (ioctl(fd, FS_IOC_FIEMAP, fm))
		fail("FIEMAP", errno);
	/* More extents than we keep would undercount the blocks reused: say so rather than guess. */
	if (fm->fm_mapped_extents == MAX_EXTENTS && !(fm->fm_extents[MAX_EXTENTS - 1].fe_flags & FIEMAP_EXTENT_LAST))
		fail("FIEMAP: more extents than " "64", E2BIG);
	out->count = fm->fm_mapped_extents;
	for (size_t i = 0; i < out->count; i++) {
		out->at[i].start = fm->fm_extents[i].fe_physical;
		out->at[i].length = fm->fm_extents[i].fe_length;
	}
	close(fd);
	free(fm);
}

uint64_t extent_bytes(const struct extents *e)
{
	uint64_t total = 0;

	for (size_t i = 0; i < e->count; i++)
		total += e->at[i].length;
	return total;
}

uint64_t overlap_bytes(const struct extents *a, const struct extents *b)
{
	uint64_t total = 0;

	for (size_t i = 0; i < a->count; i++)
		for (size_t j = 0; j < b->count; j++) {
			uint64_t lo = a->at[i].start > b->at[j].start ? a->at[i].start : b->at[j].start;
			uint64_t ea = a->at[i].start + a->at[i].length, eb = b->at[j].start + b->at[j].length;
			uint64_t hi = ea < eb ? ea : eb;

			total += hi > lo ? hi - lo : 0;
		}
	return total;
}

static uint64_t free_bytes(int fd)
{
	struct statvfs st;

	if (fstatvfs(fd, &st))
		fail("fstatvfs", errno);
	return (uint64_t)st.f_bavail * st.f_frsize;
}

uint64_t fill_free_space(const char *filler, uint64_t slack)
{
	int fd = open(filler, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	off_t at = 0;

	if (fd < 0)
		fail("open filler", errno);
	for (off_t chunk = 64 << 20; chunk >= 4096 && free_bytes(fd) > slack;) {
		if (!fallocate(fd, 0, at, chunk))
			at += chunk;
		else if (errno == ENOSPC)
			chunk /= 2;
		else
			fail("fallocate filler", errno);
	}
	if (fsync(fd))
		fail("fsync filler", errno);
	uint64_t left = free_bytes(fd);

	close(fd);
	return left;
}

/*
 * A buffered write reserves, besides its data, the worst case of block-map blocks it could need
 * (xfs_bmap_worst_indlen()): with nothing free but what truncate freed, it fails with ENOSPC. Give
 * back the filler's last bytes for that: a piece far shorter than the file written next.
 */
#define ROOM_FOR_MAPS (64 << 10)

void truncate_onto_freed(const char *path, const char *newfile, size_t size, struct reuse *out)
{
	struct extents victim, reused;
	char filler[4096];
	struct stat st;
	int fd;

	extents_of(path, size, &victim);
	snprintf(filler, sizeof(filler), "%s.filler", newfile);
	fill_free_space(filler, 0);
	if (stat(filler, &st) || truncate(filler, st.st_size > ROOM_FOR_MAPS ? st.st_size - ROOM_FOR_MAPS : 0))
		fail("give back room for block maps", errno);
	fd = open(path, O_RDWR);
	/* Freed blocks stay busy until the log commits (xfs_extent_busy_insert(), ext4_mb_free_metadata()). */
	if (fd < 0 || ftruncate(fd, 0) || syncfs(fd))
		fail("truncate the registered file", errno);
	close(fd);
	fill_file(newfile, NEW_FILE_FILL, size);
	extents_of(newfile, size, &reused);
	out->victim_blocks = extent_bytes(&victim) / 4096;
	out->blocks_reused = overlap_bytes(&victim, &reused) / 4096;
}

unsigned char *read_direct(const char *path, size_t size, int sync, const char *what)
{
	void *block = NULL;
	int fd = open(path, O_RDONLY | O_DIRECT);

	if (fd < 0 || (sync && syncfs(fd)))
		fail(what, errno);
	int err = posix_memalign(&block, 4096, size);	/* its error is returned, errno untouched */
	if (err)
		fail(what, err);
	ssize_t got = pread(fd, block, size, 0);
	if (got != (ssize_t)size)
		fail(what, got < 0 ? errno : EIO);	/* a short read sets no errno */
	close(fd);
	return block;
}

size_t device_bytes_not(const char *path, unsigned char byte, size_t size)
{
	unsigned char *block = read_direct(path, size, 1, "read the new file back from the device");
	size_t bad = 0;

	for (size_t i = 0; i < size; i++)
		bad += block[i] != byte;
	free(block);
	return bad;
}
