// Where PID 1's console is, and the catch-all log in front of it: on the
// machine /dev/console; in a pid namespace (tests, containers) a copy of
// our stderr (always, in container mode). After a re-exec the catch-all takes over the same pipe.
import { fstatSync, mkdirSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason, setLogSink, takeEarlyLines } from "../cli/log";
import { startCatchAll, type CatchAll } from "../log/catch-all";
import { isInitialPidNamespace } from "../sys/proc";
import { keepFd, loadInheritedFds, setKeptFdsFile, takeFd } from "../sys/kept-fds";

/** In a pid namespace the "console" is our stderr. A regular file is
 *  dup'ed: the copy shares fd 2's offset, so our lines land where the next
 *  writer to that file expects them (a fresh open writes at its own offset,
 *  and a later `echo` from the shell that started us overwrote our lines);
 *  O_NONBLOCK means nothing to a file. A pipe or terminal is opened afresh,
 *  so the non-blocking flag the catch-all sets stays off fd 2 (and off the
 *  parent's); a socket cannot be reopened (ENXIO), so then it is a dup too. */
function stderrCopy(): number {
  const c = sys.constants();
  let file = false;
  try {
    file = fstatSync(2).isFile();
  } catch {
    /* closed: the open below fails too, and we dup */
  }
  if (!file) {
    try {
      return sys.open("/proc/self/fd/2", c.O_WRONLY! | c.O_APPEND! | c.O_CLOEXEC!, 0);
    } catch {
      /* a socket */
    }
  }
  const fd = sys.open("/dev/null", c.O_RDONLY! | c.O_CLOEXEC!, 0);
  sys.dup2(2, fd);
  sys.setCloexec(fd, true);
  return fd;
}

/** How a container's tsinit differs: its console is always its stderr (as a
 *  subreaper it may be in the host's pid namespace, where /dev/console is the
 *  machine's), and with a read-only run dir there are no files to open. */
export interface ContainerConsole {
  files: boolean;
}

/** Starts the catch-all (files in RUNDIR/log/catch-all) and routes logLine to it. */
export function openCatchAll(rundir: string, reexecuted: boolean, container?: ContainerConsole): CatchAll {
  const c = sys.constants();
  const consoleFd = !container && isInitialPidNamespace() ? sys.open("/dev/console", c.O_WRONLY! | c.O_NOCTTY! | c.O_CLOEXEC!, 0) : stderrCopy();
  try {
    mkdirSync(rundir, { recursive: true, mode: 0o755 });
  } catch {
    /* read-only: the fd map stays in memory */
  }
  if (reexecuted) loadInheritedFds(`${rundir}/kept-fds.json`);
  else setKeptFdsFile(`${rundir}/kept-fds.json`);
  const r = reexecuted ? takeFd("catchall:r") : undefined;
  const w = reexecuted ? takeFd("catchall:w") : undefined;
  const log = startCatchAll({ consoleFd, pipe: r !== undefined && w !== undefined ? [r, w] : undefined });
  keepFd("catchall:r", log.readFd);
  keepFd("catchall:w", log.writeFd);
  setLogSink((line) => log.writeLine(line));
  // The boot's first steps (the addon, the fd limit, stdio) reached only the console.
  for (const { ms, line } of takeEarlyLines()) log.writeEarlyLine(line, ms);
  if (container && !container.files) return log;
  try {
    log.openFiles(`${rundir}/log/catch-all`);
  } catch (e) {
    logLine(`unable to open ${rundir}/log/catch-all: ${reason(e)}: console only`);
  }
  return log;
}
