// One line per event on stderr, prefixed with the program name:
// "tsinit: unable to VERB OBJECT: reason", "tsinit: warning: ...", "tsinit: info: ...".
import { writeSync } from "node:fs";
import { isErrnoError, reason } from "../sys/errors";
import { EXIT_SYSTEM } from "./exit-codes";

let program = "tsinit";
let sink: ((line: string) => void) | null = null;

/** Sets the prefix (the name we were called by, for multi-call links). */
export function setProgramName(name: string): void {
  program = name;
}

/** Sends logLine's lines to fn instead of stderr (PID 1: the catch-all log,
 *  since its stderr is then a pipe only it drains); null restores stderr. */
export function setLogSink(fn: ((line: string) => void) | null): void {
  sink = fn;
}

/** Lines said before a sink took over, with when they were said: PID 1's
 *  first boot steps reach only the console, and the catch-all, once it
 *  starts, takes them (takeEarlyLines) so `tsinit log` and `analyze` see them. */
const early: Array<{ ms: number; line: string }> = [];
const EARLY_MAX = 64;

/** Writes one line to stderr synchronously: PID 1's stderr may be the console. */
export function logLine(message: string): void {
  try {
    if (sink) return sink(`${program}: ${message}`);
    if (early.length < EARLY_MAX) early.push({ ms: Date.now(), line: `${program}: ${message}` });
    writeText(2, `${program}: ${message}\n`);
  } catch {
    /* nowhere to say it */
  }
}

/** The lines logLine wrote to stderr before any sink (at most 64), once. */
export function takeEarlyLines(): Array<{ ms: number; line: string }> {
  return early.splice(0);
}

/** Writes text to fd 1 or 2 with write(2) rather than process.stdout or
 *  process.stderr: the first use of those loads tty, net and the streams stack,
 *  two dozen of Node's modules compiled from source at start-up (the blob's V8
 *  flag makes Node's own code cache for them unusable). A full non-blocking
 *  pipe (EAGAIN) hands the rest to the stream, which waits for room. */
export function writeText(fd: 1 | 2, text: string): void {
  let rest = Buffer.from(text);
  try {
    while (rest.length > 0) rest = rest.subarray(writeSync(fd, rest));
  } catch (e) {
    if (!isErrnoError(e, "EAGAIN")) throw e;
    (fd === 1 ? process.stdout : process.stderr).write(rest);
  }
}

/** The reason part of a log line (sys/errors.ts, beside the error shape). */
export { reason } from "../sys/errors";

/** Writes "PROGRAM: message" to stdout: what a command reports having done. */
export function sayLine(message: string): void {
  process.stdout.write(`${program}: ${message}\n`);
}

/** Longest path printed whole in a message; longer ones are cut with "…". */
export const MAX_SHOWN_PATH = 80;

/** The path as a log line shows it: a 10 000-byte argument must not flood stderr. */
export function shortPath(path: string): string {
  return path.length > MAX_SHOWN_PATH ? `${path.slice(0, MAX_SHOWN_PATH)}…` : path;
}

/** Logs "unable to VERB OBJECT: reason" and returns 111, s6's system-error exit. */
export function systemFailure(verb: string, object: string, e: unknown): number {
  logLine(`unable to ${verb} ${shortPath(object)}: ${reason(e)}`);
  return EXIT_SYSTEM;
}
