// `tsinit reexec`: asks PID 1 to execve itself (its binary path, possibly a
// new file there after an upgrade) and take over the running services
// without restarting them; only once /proc/1 shows PID 1 is tsinit, since
// RTMIN+25 would kill another init.
import * as sys from "../sys";
import { EXIT_OK, EXIT_SYSTEM } from "../cli/exit-codes";
import { logLine, reason, sayLine } from "../cli/log";
import { parseCommandLine, showHelp } from "../cli/command-line";
import { notTsinit, signalTaken } from "../sys/pid1";
import { REEXEC_SIGNAL } from "./reexec";

const USAGE = `usage: tsinit reexec [-h]

Asks process 1 to re-execute its binary (after an upgrade in place, the new
one) and adopt the running services: no service is restarted. Sends
${REEXEC_SIGNAL} to process 1 (systemd uses the same signal), only once
/proc/1/exe shows it is tsinit, then checks that process 1 took it.

examples: mv /sbin/init.new /sbin/init && tsinit reexec

exit codes: 0 process 1 took the request; 100 usage; 111 process 1 is not
tsinit, or could not be signalled`;

/** Entry point of `tsinit reexec`. */
export function main(args: string[]): number {
  const { values } = parseCommandLine(USAGE, args, { help: { type: "boolean", short: "h" } }, false);
  if (values.help) return showHelp(USAGE);
  const refused = notTsinit(REEXEC_SIGNAL);
  if (refused) {
    logLine(`unable to signal process 1: ${refused}`);
    return EXIT_SYSTEM;
  }
  try {
    sys.kill(1, REEXEC_SIGNAL);
  } catch (e) {
    logLine(`unable to signal process 1: ${reason(e)}`);
    return EXIT_SYSTEM;
  }
  if (!signalTaken(REEXEC_SIGNAL)) {
    logLine(`unable to re-execute process 1: it did not take ${REEXEC_SIGNAL} within 1 s`);
    return EXIT_SYSTEM;
  }
  sayLine("PID 1 is re-executing");
  return EXIT_OK;
}
