/* A minimal PID 1 for bench/shutdown's runit case: runs argv, then reaps
 * every child (its own and the orphans it inherits) and exits only when none
 * is left. runsvdir cannot be PID 1 there: on SIGHUP it sends TERM to each
 * runsv and exits at once, and a pid namespace whose PID 1 exits has every
 * other member SIGKILLed by the kernel, before any runsv has stopped its
 * service. Under this reaper the namespace ends when the last runsv has. */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: ns-reaper PROG [ARG...]\n", stderr);
    return 100;
  }
  pid_t pid = fork();
  if (pid < 0) return 111;
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    _exit(errno == ENOENT ? 127 : 126);
  }
  while (wait(NULL) > 0 || errno == EINTR) {
  }
  return errno == ECHILD ? 0 : 111;
}
