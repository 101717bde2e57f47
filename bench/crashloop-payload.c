/* The payload of bench/crashloop: hard-linked as every service's ./run, it
 * writes one byte into the bench's fifo (two levels up: DIR/svc/NAME/run ->
 * DIR/starts.fifo), so the bench counts starts, and exits 1 at once: a
 * crash loop, restarted by the supervisor once a second per service. */
#include <fcntl.h>
#include <unistd.h>

int main(void) {
  int fd = open("../../starts.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) {
    (void)!write(fd, "x", 1);
    close(fd);
  }
  return 1;
}
