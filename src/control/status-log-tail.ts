// The last lines of a service's log for `tsinit status NAME`. Reads only the
// built-in logger's `current` (its directory is in supervise/tsinit-record);
// `tsinit log` (issue 16 part A) knows the other places (s6-log dirs, the
// catch-all's labelled lines) and is meant to replace this reader.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** How far back from the end we read: 10 lines of a chatty service fit. */
const TAIL_BYTES = 64 * 1024;

/** The last n complete lines of FILE (oldest first), or null when it cannot be read. */
export function lastLines(file: string, n: number): string[] | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - from);
    const got = readSync(fd, buf, 0, buf.length, from);
    let lines = buf.subarray(0, got).toString("utf8").split("\n");
    if (lines.at(-1) === "") lines.pop();
    if (from > 0) lines = lines.slice(1); // the first one is cut
    return lines.slice(-n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
