/* The service payload of bench/supervise and bench/small: hard-linked as
 * every service's ./run, so the supervisor execs it directly (no shell). It
 * takes its name from its cwd (the service dir), writes one line
 * "NAME PID MONO_NS\n" into the bench's fifo ($UP_FIFO, else two levels up),
 * then pauses forever. MONO_NS is CLOCK_MONOTONIC at the top of main, the
 * same clock as Node's process.hrtime, so the bench times "up" without its
 * own event loop lag. A line is < PIPE_BUF, so lines from 1000 writers never
 * interleave.
 * bench/small's extras: a service dir with a notification-fd file gets a
 * newline on that fd after the line (ready at once); `payload --once NAME`
 * is a one-shot task: the line under NAME, then exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void notify_ready(void) {
  int nf = open("notification-fd", O_RDONLY | O_CLOEXEC);
  if (nf < 0) return;
  char buf[16] = {0};
  ssize_t r = read(nf, buf, sizeof buf - 1);
  close(nf);
  if (r <= 0) return;
  int fd = atoi(buf);
  while (write(fd, "\n", 1) < 0 && errno == EINTR) {
  }
  close(fd);
}

int main(int argc, char **argv) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int once = argc >= 3 && strcmp(argv[1], "--once") == 0;
  char cwd[4096];
  const char *name;
  if (once) {
    name = argv[2];
  } else {
    if (!getcwd(cwd, sizeof cwd)) return 111;
    name = strrchr(cwd, '/');
    name = name ? name + 1 : cwd;
  }
  const char *fifo = getenv("UP_FIFO");
  /* O_NONBLOCK so a missing reader fails (ENXIO) instead of hanging; then
   * blocking writes, so a full pipe delays the line instead of losing it. */
  int fd = open(fifo ? fifo : "../../up.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return 111;
  fcntl(fd, F_SETFL, 0);
  char line[512];
  int n = snprintf(line, sizeof line, "%s %d %lld\n", name, (int)getpid(),
                   (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  while (write(fd, line, (size_t)n) < 0 && errno == EINTR) {
  }
  close(fd);
  if (once) return 0;
  notify_ready();
  for (;;) pause();
}
