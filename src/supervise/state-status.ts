// The machine's state as the s6 files show it: what s6-supervise would have
// written to supervise/status and supervise/death_tally in this state. Here,
// not in s6/status-file.ts, so the codec does not depend on the machine.
import { stampFromMs, type DeathRecord, type SuperviseStatus } from "../s6/status-file";
import type { SuperviseState } from "./machine";

/** The status s6-supervise would have written for this machine state. */
export function statusFromState(state: SuperviseState): SuperviseStatus {
  const phase = state.phase;
  const pid = phase.kind === "up" ? phase.pid : phase.kind === "finishing" ? (phase.pid ?? 0) : 0;
  return {
    stamp: stampFromMs(state.stamp),
    readyStamp: stampFromMs(state.readyStamp),
    pid,
    waitStatus: state.waitStatus,
    paused: state.paused,
    finishing: phase.kind === "finishing",
    wantUp: state.wantUp,
    ready: state.ready,
  };
}

/** The death_tally records for this machine state. */
export function deathTallyFromState(state: SuperviseState): DeathRecord[] {
  return state.deaths.map((d) => ({ stamp: stampFromMs(d.at), exitCode: d.exitCode, signal: d.signal }));
}
