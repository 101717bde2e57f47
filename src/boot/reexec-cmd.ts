// `tsinit reexec`: asks PID 1 to execve itself (its binary path, possibly a
// new file there after an upgrade) and take over the running services
// without restarting them.
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { parseCommandLine } from "../cli/usage";
import { REEXEC_SIGNAL } from "./reexec";

const USAGE = `usage: tsinit reexec

Asks process 1 to re-execute its binary (after an upgrade in place, the new
one) and adopt the running services: no service is restarted. Sends
${REEXEC_SIGNAL} to process 1 (systemd uses the same signal).`;

/** Entry point of `tsinit reexec`. */
export function main(args: string[]): number {
  const { values } = parseCommandLine("reexec", args, { help: { type: "boolean" } }, false);
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  try {
    sys.kill(1, REEXEC_SIGNAL);
    return 0;
  } catch (e) {
    logLine(`unable to signal process 1: ${reason(e)}`);
    return 111;
  }
}
