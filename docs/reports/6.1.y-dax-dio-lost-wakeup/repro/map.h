// Mapping the memory a workload pins: anonymous, a file (MAP_SHARED), or a character device,
// and telling whether it really is DAX.
#ifndef ORCHESTRATE_MAP_H
#define ORCHESTRATE_MAP_H
#include <stddef.h>

#define MAP_FILL 0x5a		/* what map_from_args fills the mapping with */
#define NEW_FILE_FILL 0x5b	/* the file that gets the freed space */
#define LATE_WRITES 8		/* RDMA writes into an MR after its file was truncated */

struct mapping {
	void *buf;
	size_t size;
	const char *kind;	/* "anon", "file" or "dev" */
	const char *dax;	/* JSON: true, false or null (anonymous, or statx cannot tell) */
};

/* Parses "anon SIZE | file PATH SIZE | dev PATH SIZE" from argv; returns 0 or prints usage. */
int map_from_args(int argc, char **argv, struct mapping *m);
/* Writes SIZE bytes of BYTE to PATH (created or truncated) and fsyncs it; fails on error. */
void fill_file(const char *path, unsigned char byte, size_t size);
/* How many of the first SIZE bytes of PATH are not BYTE. */
size_t bytes_not(const char *path, unsigned char byte, size_t size);
/* Prints {"error":...,"errno":N} and exits 1. */
void fail(const char *what, int err);

#endif
