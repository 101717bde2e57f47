// The container's main program: CMD with tsinit's original stdio, in its own
// process group, in the terminal's foreground when there is a terminal, and
// the exit code tini would give for it.
import * as sys from "../sys";
import { execFailureCode, EXIT_NOT_EXECUTABLE, exitStatus } from "../cli/exit-codes";
import { logLine, reason } from "../cli/log";

/** Our fds 0, 1 and 2 as we were given them (-1 where one was closed). */
export type OriginalStdio = [number, number, number];

/** Copies fds 0-2 to close-on-exec fds before stage 1 points stdin at
 *  /dev/null: CMD gets the originals, services and tasks never see them. */
export function keepOriginalStdio(): OriginalStdio {
  const c = sys.constants();
  return [0, 1, 2].map((fd) => {
    let copy = -1;
    try {
      copy = sys.open("/dev/null", c.O_RDONLY! | c.O_CLOEXEC!, 0);
      sys.dup2(fd, copy);
      sys.setCloexec(copy, true);
      return copy;
    } catch {
      // fd was closed: CMD gets it closed too.
      if (copy >= 0)
        try {
          sys.close(copy);
        } catch {
          /* already */
        }
      return -1;
    }
  }) as OriginalStdio;
}

/** The exit code for a death: its code, or 128+n for signal n (as a shell, tini). */
export function exitCodeOf(exit: sys.Exit): number {
  return exitStatus(exit.code, exit.signal);
}

/** Starts CMD; returns its pid, or the exit code of a failed exec
 *  (127 not found, 126 not executable) after saying why, tini's way.
 *  carryPidAs: the variable a crash carries CMD's pid in, from just before its exec. */
export function startCommand(argv: string[], stdio: OriginalStdio, env: string[], carryPidAs: string): { pid: number } | { failed: number } {
  // The addon makes CMD's group the terminal's foreground group (TIOCSPGRP,
  // signals blocked): Ctrl-C then reaches CMD, and a shell CMD can read.
  const ttyFd = stdio[0] >= 0 && sys.isatty(stdio[0]) ? stdio[0] : -1;
  try {
    try {
      return { pid: sys.spawn({ file: argv[0]!, argv, env, pgid: 0, ttyFd, fds: stdio, carryPidAs }) };
    } catch (e) {
      // A terminal that is not our session's (ENOTTY): run CMD without it, as tini does.
      if (!(ttyFd >= 0 && sys.isErrnoError(e) && e.syscall === "tcsetpgrp")) throw e;
      logLine(`warning: unable to give CMD the terminal: ${reason(e)}`);
      return { pid: sys.spawn({ file: argv[0]!, argv, env, pgid: 0, fds: stdio, carryPidAs }) };
    }
  } catch (e) {
    const code = sys.isErrnoError(e) && e.syscall === "execve" ? execFailureCode(e) : EXIT_NOT_EXECUTABLE;
    logLine(`unable to exec ${argv[0]}: ${reason(e)}`);
    return { failed: code };
  }
}

/** Passes a signal on to CMD, or its whole process group. */
export function forwardSignal(pid: number, signal: string, group: boolean): void {
  try {
    if (group) sys.killpg(pid, signal);
    else sys.kill(pid, signal);
  } catch (e) {
    // ESRCH: CMD is gone and its death is on its way.
    if (!sys.isErrnoError(e, "ESRCH")) logLine(`unable to forward ${signal} to ${pid}: ${reason(e)}`);
  }
}
