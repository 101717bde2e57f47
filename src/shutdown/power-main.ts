// `tsinit poweroff|reboot|halt` (also as links named poweroff, reboot, halt):
// asks PID 1 to run stage 3 by signal, once /proc/1 shows it is tsinit; then
// sees the signal taken and says so. With -f, skips stage 3: sync and
// reboot(2) at once, as busybox's -f does. Works with no arguments, which is
// how the kernel's orderly poweroff (Xen/Linode shutdown) runs /sbin/poweroff.
import * as sys from "../sys";
import { EXIT_OK, EXIT_SYSTEM } from "../cli/exit-codes";
import { logLine, reason, sayLine } from "../cli/log";
import { parseCommandLine, showHelp } from "../cli/command-line";
import { ACTION_SIGNAL, rebootCommand, type PowerAction } from "./actions";
import { notTsinit, signalTaken } from "../sys/pid1";

const DOING: Record<PowerAction, string> = { poweroff: "powering off", reboot: "rebooting", halt: "halting" };

function usage(action: PowerAction): string {
  return `usage: tsinit ${action} [-f] [-h]

Asks process 1 to ${action}: services are stopped (their down-signal, KILL
after the grace time), remaining processes get TERM then KILL, filesystems
are synced and unmounted or remounted read-only, then reboot(2). It sends
${ACTION_SIGNAL[action]} to process 1 only once /proc/1/exe shows it is tsinit,
then checks that process 1 took the signal.
  -f, --force   no stage 3 and no check of process 1: sync and ${action} now
  -h, --help    this text

examples: tsinit ${action}
          ${action} -f        (the binary linked as ${action})

exit codes: 0 process 1 took the request (or -f: never returns);
100 usage; 111 process 1 is not tsinit, or could not be signalled`;
}

/** The command's main for one action. */
export function powerMain(action: PowerAction) {
  return (args: string[]): number => {
    const help = usage(action);
    const { values } = parseCommandLine(help, args, { help: { type: "boolean", short: "h" }, force: { type: "boolean", short: "f" } }, false);
    if (values.help) return showHelp(help);
    const signal = ACTION_SIGNAL[action];
    try {
      if (values.force) {
        sys.sync();
        sys.reboot(rebootCommand(action));
        return EXIT_OK;
      }
      const refused = notTsinit(signal);
      if (refused) {
        logLine(`unable to signal process 1: ${refused}`);
        return EXIT_SYSTEM;
      }
      sys.kill(1, signal);
    } catch (e) {
      logLine(`unable to ${values.force ? action : "signal process 1"}: ${reason(e)}`);
      return EXIT_SYSTEM;
    }
    if (!signalTaken(signal)) {
      logLine(`unable to ${action}: process 1 did not take ${signal} within 1 s`);
      return EXIT_SYSTEM;
    }
    sayLine(`PID 1 is ${DOING[action]}`);
    return EXIT_OK;
  };
}

export const poweroff = { main: powerMain("poweroff") };
export const reboot = { main: powerMain("reboot") };
export const halt = { main: powerMain("halt") };
