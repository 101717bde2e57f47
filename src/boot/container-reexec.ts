// A container's tsinit survives its own crash as PID 1 does (reexec.ts):
// the new image adopts the services and must also know CMD — its pid, to
// keep waiting for it and exit with its code — or, once the container is
// ending (CMD gone, or a stop signal), the code to exit with; and, while CMD
// has not started, the original stdio CMD is to get. The pid and code go through the environment of the exec (never
// process.env, which services inherit); the stdio copies are kept fds.
import * as sys from "../sys";
import { keepOriginalStdio, type OriginalStdio } from "./container-cmd";
import { forgetFd, keepFd, takeFd } from "../sys/kept-fds";
import { carry, takeCarried } from "./reexec";

const CMD_PID_ENV = "TSINIT_CMD_PID";
const EXIT_CODE_ENV = "TSINIT_EXIT_CODE";

/** What the previous image knew of CMD. */
export interface CarriedCommand {
  /** CMD's pid while it runs (still our child after the exec), else 0 */
  pid: number;
  /** the container was ending with this code (CMD's, or a stop's), else null */
  exitCode: number | null;
}

/** Reads (and removes from the environment) what the previous image carried. */
export function takeCarriedCommand(): CarriedCommand {
  const pid = Number(takeCarried(CMD_PID_ENV) ?? 0);
  const code = takeCarried(EXIT_CODE_ENV);
  return { pid: Number.isInteger(pid) && pid > 0 ? pid : 0, exitCode: code !== undefined && /^\d+$/.test(code) ? Number(code) : null };
}

/** The variable CMD's spawn names in carryPidAs, so that CMD itself tells a
 *  crash its pid from just before its exec: between the spawn's return and
 *  carryCommandPid a crash would otherwise carry no CMD, and the next image
 *  would start it again. */
export const COMMAND_PID_VARIABLE = CMD_PID_ENV;

/** CMD started as pid: the next image must keep waiting for it. */
export function carryCommandPid(pid: number): void {
  sys.carryPidOnCrash(CMD_PID_ENV, pid);
  carry(CMD_PID_ENV, String(pid));
}

/** The container is ending with code: so does the next image. */
export function carryExitCode(code: number): void {
  sys.carryPidOnCrash(CMD_PID_ENV, 0);
  carry(CMD_PID_ENV, null);
  carry(EXIT_CODE_ENV, String(code));
}

/** The fds CMD is to get: copies of our 0-2 made now, or after a re-exec the
 *  ones the previous image made; kept across an exec until CMD has them. */
export function originalStdio(reexecuted: boolean): OriginalStdio {
  if (reexecuted) return [0, 1, 2].map((n) => takeFd(`stdio:${n}`) ?? -1) as OriginalStdio;
  const stdio = keepOriginalStdio();
  stdio.forEach((fd, n) => {
    if (fd >= 0) keepFd(`stdio:${n}`, fd);
  });
  return stdio;
}

/** CMD holds them now (or never will): close our copies. */
export function releaseOriginalStdio(stdio: OriginalStdio): void {
  stdio.forEach((fd, n) => {
    forgetFd(`stdio:${n}`);
    if (fd >= 0)
      try {
        sys.close(fd);
      } catch {
        /* already */
      }
  });
}
