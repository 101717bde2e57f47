// The files s6-supervise keeps for one service: supervise/status and
// supervise/death_tally (each replaced whole), event/ (letters to whoever
// listens) and ./down. A write that fails (a full /run) is said once, until
// one works again.
import { unlinkSync, writeFileSync } from "node:fs";
import { logLine, reason } from "../cli/log";
import { codeOf } from "../sys/errors";
import { encodeDeathTally, encodeStatus } from "../s6/status-file";
import type { SuperviseState } from "./machine";
import { broadcastEvent, writeAtomic } from "./s6dir";
import { deathTallyFromState, statusFromState } from "./state-status";

export class ServiceFiles {
  /** errno of the last failed state write, "" after a success */
  private writeError = "";

  /** removed: the directory left the scan dir (it may be gone from disk, so ENOENT is no news) */
  constructor(readonly dir: string, private readonly removed: () => boolean) {}

  /** supervise/status as s6-supervise would write it in this state. */
  writeStatus(state: SuperviseState): void {
    this.write("status", encodeStatus(statusFromState(state)));
  }

  /** supervise/death_tally for this state's deaths. */
  writeDeathTally(state: SuperviseState): void {
    this.write("death_tally", encodeDeathTally(deathTallyFromState(state)));
  }

  /** Event letters to every listener in event/. */
  announce(letters: string): void {
    broadcastEvent(`${this.dir}/event`, letters);
  }

  /** Creates (D, Q) or removes (U) ./down, so a later supervisor agrees. */
  setDown(present: boolean): void {
    try {
      if (present) writeFileSync(`${this.dir}/down`, "");
      else unlinkSync(`${this.dir}/down`);
    } catch (e) {
      if (present || codeOf(e) !== "ENOENT") logLine(`unable to ${present ? "create" : "remove"} ${this.dir}/down: ${reason(e)}`);
    }
  }

  private write(name: string, bytes: Uint8Array): void {
    try {
      writeAtomic(`${this.dir}/supervise`, name, bytes);
      this.writeError = "";
    } catch (e) {
      const code = codeOf(e);
      if (this.removed() && code === "ENOENT") return; // deleted with its directory
      // A full /run fails every state change alike: say it once until a write works again.
      if (code === this.writeError) return;
      this.writeError = code;
      logLine(`unable to write ${this.dir}/supervise/${name}: ${reason(e)}`);
    }
  }
}
