// What a failure means for the machine, by start-up: a service become failed
// (restart-limit) or a task that exited non-zero, whose directory holds
// `on-failure` (supervise/on-failure.ts reads it). PID 1 powers off, halts or
// reboots; a container (tsinit -- CMD) ends with the failed one's last exit
// code, whichever of exit, poweroff, halt or reboot is asked: a container
// has no machine of its own to power off. `nothing` (the default) only logs.
import { logLine } from "../cli/log";
import { readOnFailure, type Failure } from "../supervise/on-failure";
import type { PowerAction } from "../shutdown/actions";

export type { Failure };

/** How this start-up acts on it. */
export type FailureActor = { mode: "init"; power(action: PowerAction): void } | { mode: "container"; exit(code: number, why: string): void };

/** The handler a scanner (onFailed) and the tasks call with each failure. */
export function failureHandler(actor: FailureActor): (f: Failure) => void {
  return (f) => {
    const { action, warning } = readOnFailure(f.dir);
    if (warning) logLine(warning);
    if (action === "nothing") return;
    const why = `${f.what} failed (last exit ${f.code}): on-failure ${action}`;
    if (actor.mode === "container") return actor.exit(f.code, `${why}: exiting ${f.code}`);
    if (action === "exit") return logLine(`warning: ${why}: process 1 never exits: nothing done (use poweroff)`);
    logLine(`${why}: ${action === "poweroff" ? "powering off" : action === "halt" ? "halting" : "rebooting"}`);
    actor.power(action);
  };
}
