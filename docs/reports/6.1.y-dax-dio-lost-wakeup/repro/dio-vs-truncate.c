// dio-vs-truncate: the seed's race. An O_DIRECT read from a slow device lands in a buffer that is
// an mmap of a DAX file; while it is in flight the file is truncated (or hole-punched) and a new
// file of a known pattern takes the freed blocks. A fixed kernel makes truncate wait for the I/O,
// so the new file stays intact; a broken one lets the late DMA overwrite it.
// So that the new file can only land on the freed blocks, the file system is filled first (all
// but what the victim holds) and the journal or log is committed (syncfs) between truncate and
// the new file; FIEMAP before and after says how many blocks it reused ("blocks_reused").
// With --write the DMA goes the other way: the DAX mapping (0x5a) is the source of an O_DIRECT
// write to the slow device, and what lands there must be the old file's bytes, never the new
// file's (0x5b): "written_data_is_old", "leaked_new_bytes".
//
//   dio-vs-truncate [--write] truncate|punch DAXFILE SLOWDEV NEWFILE SIZE
//
// If truncate is still waiting a second after the I/O ended, a watchdog thread signals it
// (SA_RESTART: the syscall restarts and re-checks). Debian 6.1.192 needs that: the pages are
// idle but break-layouts is never woken. "truncate_woke_by_itself" and "kicks" record it.
//
// Prints {"mode","dax","io_ms","truncate_start_ms","truncate_ms","truncate_wait_ms",
//         "truncate_waited_for_io","truncate_woke_by_itself","kicks","new_file_intact","mismatched_bytes",
//         "victim_blocks","blocks_reused","free_bytes_before"}; times are from the start of the I/O, so
// truncate_start_ms < io_ms says truncate began while the I/O was in flight (the race happened);
// "truncate_waited_for_io": it began before the I/O ended and returned after it (50 ms slack).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "blocks.h"
#include "map.h"

#define HEAD_START_MS 150
#define GRACE_MS 1000
#define MAX_KICKS 20

struct io {
	int fd;
	int writing;
	void *buf;
	size_t size;
	ssize_t done;
	int err;
	double end_ms;
};

static struct timespec start;
static atomic_int truncate_done;
static pthread_t truncater;

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - start.tv_sec) * 1e3 + (t.tv_nsec - start.tv_nsec) / 1e6;
}

static void *direct_io(void *arg)
{
	struct io *io = arg;

	io->done = io->writing ? pwrite(io->fd, io->buf, io->size, 0) : pread(io->fd, io->buf, io->size, 0);
	io->err = io->done < 0 ? errno : 0;
	io->end_ms = now_ms();
	return NULL;
}

static void on_kick(int sig)
{
	(void)sig;
}

/* After the I/O ended and a grace period passed, wake a truncate that is still waiting. */
static void *watchdog(void *arg)
{
	pthread_t *reader = arg;
	int kicks = 0;

	pthread_join(*reader, NULL);
	usleep(GRACE_MS * 1000);
	while (!atomic_load(&truncate_done) && kicks < MAX_KICKS) {
		pthread_kill(truncater, SIGUSR1);
		kicks++;
		usleep(500 * 1000);
	}
	return (void *)(long)kicks;
}

/* What the O_DIRECT write left on the device: bytes that are not the old file's, and the new file's among them. */
static void written(const char *dev, size_t size, size_t *not_old, size_t *leaked)
{
	unsigned char *block = read_direct(dev, size, 0, "read the device back");

	*not_old = *leaked = 0;
	for (size_t i = 0; i < size; i++) {
		*not_old += block[i] != MAP_FILL;
		*leaked += block[i] == NEW_FILE_FILL;
	}
	free(block);
}

int main(int argc, char **argv)
{
	int writing = argc > 1 && !strcmp(argv[1], "--write");

	argv += writing;
	argc -= writing;
	if (argc != 6 || (strcmp(argv[1], "truncate") && strcmp(argv[1], "punch"))) {
		fprintf(stderr, "usage: dio-vs-truncate [--write] truncate|punch DAXFILE SLOWDEV NEWFILE SIZE\n");
		return 2;
	}
	const char *mode = argv[1], *daxfile = argv[2], *newfile = argv[4];
	char *margs[] = { "file", argv[2], argv[5] };
	struct mapping m;
	struct io io = { .writing = writing };
	pthread_t reader, dog;
	struct sigaction kick = { .sa_handler = on_kick, .sa_flags = SA_RESTART };
	void *kicks;

	if (map_from_args(3, margs, &m))
		return 2;
	if (msync(m.buf, m.size, MS_SYNC))
		fail("msync", errno);
	struct extents victim, reused;
	char filler[4096];

	extents_of(daxfile, m.size, &victim);
	snprintf(filler, sizeof(filler), "%s.filler", newfile);
	uint64_t free_before = fill_free_space(filler, 0);
	int daxfd = open(daxfile, O_RDWR);
	io.fd = open(argv[3], (writing ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (daxfd < 0 || io.fd < 0)
		fail("open", errno);
	io.buf = m.buf;
	io.size = m.size;

	sigaction(SIGUSR1, &kick, NULL);
	truncater = pthread_self();
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (pthread_create(&reader, NULL, direct_io, &io) || pthread_create(&dog, NULL, watchdog, &reader))
		fail("pthread_create", errno);
	usleep(HEAD_START_MS * 1000);
	double t0 = now_ms();
	int ret = !strcmp(mode, "truncate") ? ftruncate(daxfd, 0)
		: fallocate(daxfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, m.size);
	if (ret)
		fail(mode, errno);
	double t1 = now_ms();
	atomic_store(&truncate_done, 1);
	if (syncfs(daxfd))
		fail("syncfs", errno);
	fill_file(newfile, NEW_FILE_FILL, m.size);
	pthread_join(dog, &kicks);
	if (io.err)
		fail(writing ? "O_DIRECT write" : "O_DIRECT read", io.err);
	munmap(m.buf, m.size);
	size_t bad = bytes_not(newfile, NEW_FILE_FILL, m.size);
	uint64_t victim_bytes = extent_bytes(&victim);

	extents_of(newfile, m.size, &reused);

	printf("{\"mode\":\"%s\",\"direction\":\"%s\",\"dax\":%s,\"io_ms\":%.0f,\"truncate_start_ms\":%.0f,"
	       "\"truncate_ms\":%.0f,\"truncate_wait_ms\":%.0f,\"truncate_waited_for_io\":%s,"
	       "\"truncate_woke_by_itself\":%s,\"kicks\":%ld,"
	       "\"new_file_intact\":%s,\"mismatched_bytes\":%zu,\"victim_blocks\":%llu,\"blocks_reused\":%llu,"
	       "\"free_bytes_before\":%llu",
	       mode, writing ? "write" : "read", m.dax, io.end_ms, t0, t1, t1 - t0,
	       t0 < io.end_ms && t1 + 50 >= io.end_ms ? "true" : "false",
	       kicks ? "false" : "true", (long)kicks, bad ? "false" : "true", bad,
	       (unsigned long long)victim_bytes / 4096, (unsigned long long)overlap_bytes(&victim, &reused) / 4096,
	       (unsigned long long)free_before);
	if (writing) {
		size_t not_old, leaked;

		written(argv[3], m.size, &not_old, &leaked);
		printf(",\"written_data_is_old\":%s,\"leaked_new_bytes\":%zu", not_old ? "false" : "true", leaked);
	}
	printf("}\n");
	return 0;
}
