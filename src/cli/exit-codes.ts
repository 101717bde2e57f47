// Exit codes shared by every subcommand, as s6 and tini use them. Every exit
// code a command returns is one of these names.
import type { ErrnoError } from "../sys/errors";

export const EXIT_OK = 0;
/** check: some error found; wait/svc -w: a service failed for good, or its supervisor died */
export const EXIT_FAILED = 1;
/** wait/svc -w: the timeout ran out first (s6_svlisten_loop's 99) */
export const EXIT_TIMEOUT = 99;
/** a bad command line; svc and scan-ctl: nothing listening (s6-svc, s6-svscanctl) */
export const EXIT_USAGE = 100;
/** a system call failed */
export const EXIT_SYSTEM = 111;
/** an exec failed other than for a missing file (shells and tini say 126) */
export const EXIT_NOT_EXECUTABLE = 126;
/** an exec found no file (127) */
export const EXIT_NOT_FOUND = 127;
/** a process killed by signal n is said to have exited 128 + n, as a shell says */
export const EXIT_SIGNAL_BASE = 128;

/** The exit code of a process that ended with CODE, or was killed by SIGNAL (code < 0). */
export function exitStatus(code: number, signal: number): number {
  return code >= 0 ? code : EXIT_SIGNAL_BASE + signal;
}

/** Exit code a shell would give for an exec failure: 127 not found, 126 otherwise (as tini, s6). */
export function execFailureCode(e: ErrnoError): number {
  return e.code === "ENOENT" || e.code === "ENOTDIR" ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
}
