// Safe mode: PID 1 crashed again and again right after starting, so a new
// image would crash too. It stops trying: no supervision, no tasks, only
// what keeps the machine sane — reaping every death, and still honouring a
// poweroff/reboot/halt request with sync + reboot(2). Services already
// running keep running, unsupervised.
import * as sys from "../sys";
import { logLine } from "../cli/log";
import { actionForSignal, rebootCommand, SIGNAL_ACTIONS } from "../shutdown/actions";

/** Enters safe mode for good (the returned promise never settles). */
export function safeMode(crashes: number): Promise<never> {
  logLine(
    `SAFE MODE: process 1 crashed ${crashes} times in a row soon after starting; services keep running but are no longer supervised; only reaping now. Fix the cause, then: tsinit reboot`,
  );
  sys.startEvents(Object.keys(SIGNAL_ACTIONS));
  sys.events.on("signal", (signo) => {
    const action = actionForSignal(signo);
    if (!action) return;
    logLine(`safe mode: ${action} now (sync, no service stop)`);
    sys.sync();
    try {
      sys.reboot(rebootCommand(action));
    } catch (e) {
      logLine(`safe mode: unable to ${action}: ${(e as Error).message}`);
    }
  });
  return new Promise<never>(() => undefined);
}
