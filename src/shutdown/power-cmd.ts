// `tsinit poweroff|reboot|halt` (also as links named poweroff, reboot, halt):
// asks PID 1 to run stage 3 by signal. With -f, skips stage 3: sync and
// reboot(2) at once, as busybox's -f does. Works with no arguments, which is
// how the kernel's orderly poweroff (Xen/Linode shutdown) runs /sbin/poweroff.
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { parseCommandLine } from "../cli/usage";
import { ACTION_SIGNAL, rebootCommand, type PowerAction } from "./actions";

function usage(action: PowerAction): string {
  return `usage: tsinit ${action} [-f]

Asks process 1 to ${action}: services are stopped (their down-signal, KILL
after the grace time), remaining processes get TERM then KILL, filesystems
are synced and unmounted or remounted read-only, then reboot(2).
  -f, --force   no stage 3: sync and ${action} immediately
It sends ${ACTION_SIGNAL[action]} to process 1.`;
}

/** The command's main for one action. */
export function powerMain(action: PowerAction) {
  return (args: string[]): number => {
    const { values } = parseCommandLine(action, args, { help: { type: "boolean" }, force: { type: "boolean", short: "f" } }, false);
    if (values.help) {
      process.stdout.write(usage(action) + "\n");
      return 0;
    }
    try {
      if (values.force) {
        sys.sync();
        sys.reboot(rebootCommand(action));
      } else {
        sys.kill(1, ACTION_SIGNAL[action]!);
      }
      return 0;
    } catch (e) {
      logLine(`unable to ${action}: ${reason(e)}`);
      return 111;
    }
  };
}

export const poweroff = { main: powerMain("poweroff") };
export const reboot = { main: powerMain("reboot") };
export const halt = { main: powerMain("halt") };
