// How `svc -w` and `wait` turn a wait's end into a log line and an exit
// code, with s6's numbers: 99 timed out (s6_svlisten_loop), permanent
// failures as s6-svwait (their count) or s6-svlisten1 (1), 111 system errors.
import { constants as os } from "node:os";
import { EXIT_FAILED, EXIT_OK, EXIT_SIGNAL_BASE, EXIT_TIMEOUT } from "../cli/exit-codes";
import { logLine, shortPath, systemFailure } from "../cli/log";
import type { WaitResult, WaitSetupError } from "./listen";

/** The exit code for a finished wait; logs why when it is not 0. For
 *  failures, `single` names the service as s6-svlisten1 does (svc -w with
 *  letters exits 1); without it the code is the failure count, as s6-svwait. */
export function reportWait(r: WaitResult, single?: string): number {
  switch (r.outcome) {
    case "done":
      return EXIT_OK;
    case "timeout":
      logLine("timed out");
      return EXIT_TIMEOUT;
    case "failed":
      if (single !== undefined) {
        logLine(`${shortPath(single)} failed permanently or its supervisor died`);
        return EXIT_FAILED;
      }
      logLine("some services reported permanent failure or their supervisor died");
      return Math.min(r.failures, EXIT_TIMEOUT - 1);
    case "signal":
      return EXIT_SIGNAL_BASE + (os.signals[r.signal] ?? 0);
  }
}

/** The log line and 111 for a failure while setting up a wait. */
export function reportSetupError(e: unknown): number {
  const err = e as Partial<WaitSetupError>;
  if (err.stage === "status") return systemFailure("read status of", err.servicedir!, e);
  if (err.stage === "subscribe") return systemFailure("subscribe to events for", err.servicedir!, e);
  throw e;
}
