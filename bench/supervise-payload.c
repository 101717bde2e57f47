/* The service payload of bench/supervise: hard-linked as every service's
 * ./run, so the supervisor execs it directly (no shell). It takes its name
 * from its cwd (the service dir), writes one line "NAME PID MONO_NS\n" into
 * the bench's fifo two levels up, then pauses forever. MONO_NS is
 * CLOCK_MONOTONIC at the top of main, the same clock as Node's
 * process.hrtime, so the bench times "up" without its own event loop lag.
 * A line is < PIPE_BUF, so lines from 1000 writers never interleave. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return 111;
  const char *name = strrchr(cwd, '/');
  name = name ? name + 1 : cwd;
  /* O_NONBLOCK so a missing reader fails (ENXIO) instead of hanging; then
   * blocking writes, so a full pipe delays the line instead of losing it. */
  int fd = open("../../up.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return 111;
  fcntl(fd, F_SETFL, 0);
  char line[512];
  int n = snprintf(line, sizeof line, "%s %d %lld\n", name, (int)getpid(),
                   (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  while (write(fd, line, (size_t)n) < 0 && errno == EINTR) {
  }
  close(fd);
  for (;;) pause();
}
