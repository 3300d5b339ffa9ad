// marks: runs a test program on a pseudo-terminal (so it line-buffers, even when static), copies
// its output to stdout, and writes each line to the kernel log at debug level as
// "orchestrate-mark: N LINE": the host cuts dmesg at those marks into one window per case.
// A program silent for CASE_SECONDS is killed: the case it was in timed out.
//
//   marks CASE_SECONDS -- PROGRAM ARGS...
//
// Exit status: the program's, 128 + its signal, or 124 when it timed out.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int kmsg = -1;
static unsigned long count;
static volatile sig_atomic_t stopped;

static void on_stop(int sig)
{
	(void)sig;
	stopped = 1;
}

static void mark(const char *line, size_t len)
{
	char buf[1024];
	int n;

	if (kmsg < 0)
		return;
	n = snprintf(buf, sizeof(buf), "<7>orchestrate-mark: %lu %.*s\n", ++count, (int)(len < 900 ? len : 900), line);
	if (write(kmsg, buf, n) < 0)
		kmsg = -1;
}

/* Writes every complete line of BUF[0..*LEN) out and marks it; keeps the rest for the next read. */
static void lines(char *buf, size_t *len)
{
	char *start = buf, *nl;

	while ((nl = memchr(start, '\n', *len - (start - buf)))) {
		size_t n = nl - start;

		if (n && start[n - 1] == '\r')
			n--;
		fwrite(start, 1, n, stdout);
		fputc('\n', stdout);
		mark(start, n);
		start = nl + 1;
	}
	*len -= start - buf;
	memmove(buf, start, *len);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char buf[8192];
	size_t len = 0;
	int fd, status = 0, timed_out = 0;
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: marks CASE_SECONDS -- PROGRAM ARGS...\n");
		return 2;
	}
	int limit_ms = atoi(argv[1]) * 1000;

	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	pid = forkpty(&fd, NULL, NULL, NULL);
	if (pid < 0) {
		perror("forkpty");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "marks: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	struct sigaction stop = { .sa_handler = on_stop };

	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	int silent_ms = 0, exited = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		/* Short polls: a stop signal, the program's exit and the silence limit are all seen in time. */
		int r = poll(&p, 1, 200);

		if (stopped) {
			/* Our own time is up (the host's timeout): take the program's whole session with us. */
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 128 + SIGTERM;
		}
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;
		if (r == 0) {
			silent_ms += 200;
			/* Exited, and whatever it left behind holds the terminal open: nothing more will come. */
			if (exited)
				break;
			if (limit_ms > 0 && silent_ms >= limit_ms) {
				timed_out = 1;
				kill(-pid, SIGKILL);
				break;
			}
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		ssize_t n = r < 0 ? -1 : read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		silent_ms = 0;
		len += n;
		lines(buf, &len);
		if (len == sizeof(buf) - 1) {
			buf[len++] = '\n';
			lines(buf, &len);
		}
	}
	if (len) {
		buf[len++] = '\n';
		lines(buf, &len);
	}
	if (!exited)
		waitpid(pid, &status, 0);
	kill(-pid, SIGKILL);
	if (timed_out) {
		printf("orchestrate-timeout: no output for %s s\n", argv[1]);
		return 124;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
