// Where a file's data lives on the device (FIEMAP), and a file system with no free space but what
// a truncate gives back: so a file written next must land on the blocks just freed.
#ifndef ORCHESTRATE_BLOCKS_H
#define ORCHESTRATE_BLOCKS_H
#include <stddef.h>
#include <stdint.h>

#define MAX_EXTENTS 64

struct extents {
	size_t count;
	struct {
		uint64_t start, length;	/* physical, in bytes */
	} at[MAX_EXTENTS];
};

/* The physical extents of the first SIZE bytes of PATH; fails on error. */
void extents_of(const char *path, size_t size, struct extents *out);
/* Bytes the extents cover. */
uint64_t extent_bytes(const struct extents *e);
/* Bytes that both extent lists cover. */
uint64_t overlap_bytes(const struct extents *a, const struct extents *b);
/* Allocates FILLER until the file system under it has less than SLACK bytes free; returns what is free. */
uint64_t fill_free_space(const char *filler, uint64_t slack);

/* The blocks a truncated file held, and how many of them the file written next got. */
struct reuse {
	uint64_t victim_blocks, blocks_reused;
};
/*
 * Fills the file system (NEWFILE.filler), truncates PATH to 0, commits that (syncfs) and writes
 * SIZE bytes of NEW_FILE_FILL to NEWFILE: besides 64 KiB given back for block maps, the blocks
 * PATH freed are the only free ones.
 */
void truncate_onto_freed(const char *path, const char *newfile, size_t size, struct reuse *out);
/* SIZE bytes of PATH read with O_DIRECT (after syncfs when SYNC), in a buffer to free; fails as WHAT. */
unsigned char *read_direct(const char *path, size_t size, int sync, const char *what);
/* After syncfs, how many of the first SIZE bytes of PATH on the device (O_DIRECT) are not BYTE. */
size_t device_bytes_not(const char *path, unsigned char byte, size_t size);
#endif
