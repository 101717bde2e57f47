// Writing commands to a supervisor's control fifo the way s6_svc_writectl
// does (s6 2.11): open DIR/SUB/control O_WRONLY|O_NONBLOCK so an absent
// reader is ENXIO instead of a hang, then one write() of every letter, which
// the pipe keeps atomic (a command line holds at most 64 letters < PIPE_BUF).
import { statSync } from "node:fs";
import { native } from "../sys/load";
import { codeOf, errnoError } from "../sys/errors";

/** What happened: written, nobody reading (ENXIO, or no SUB dir yet), or SUB is odd. */
export type ControlWrite = "written" | "not-listening" | "broken";

/** Sends letters to DIR/SUB/control. Throws the errno error for system
 *  failures (EACCES, ENAMETOOLONG, a missing DIR...), as s6-svc exits 111. */
export function writeControl(dir: string, sub: string, letters: string): ControlWrite {
  const sys = native();
  const c = sys.constants;
  let fd: number;
  try {
    fd = sys.open(`${dir}/${sub}/control`, c.O_WRONLY! | c.O_NONBLOCK! | c.O_CLOEXEC!, 0);
  } catch (e) {
    const code = codeOf(e);
    if (code === "ENXIO") return "not-listening";
    if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "EISDIR") throw e;
    return investigate(dir, sub);
  }
  try {
    // Blocking again, as s6 does: the reader exists, and a full pipe should wait, not drop letters.
    sys.setNonblock(fd, false);
    if (letters.length > 0) sys.write(fd, Buffer.from(letters, "latin1"));
  } finally {
    sys.close(fd);
  }
  return "written";
}

// s6's diagnosis of a missing fifo: DIR itself must exist (else a system
// error); no SUB directory means no supervisor ever ran there.
function investigate(dir: string, sub: string): ControlWrite {
  if (!statSync(dir).isDirectory()) {
    throw errnoError("ENOTDIR", "open", dir);
  }
  try {
    statSync(`${dir}/${sub}`);
    return "broken"; // SUB exists but its control fifo is missing or not a fifo
  } catch (e) {
    if (codeOf(e) === "ENOENT") return "not-listening";
    return "broken";
  }
}
