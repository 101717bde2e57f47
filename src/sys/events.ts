// The init's one event source as an EventEmitter: `exit` for every death
// (our children and re-parented orphans), `signal` for each listed signal.
import { EventEmitter } from "node:events";
import { native } from "./load";
import type { NativeExit } from "./native-types";
import { signalNumber, type Signal } from "./signals";

/** One death: pid, raw wait status, exit code (-1 if killed), signal (0 if exited), core. */
export type Exit = NativeExit;

export interface SysEventMap {
  exit: [exit: Exit];
  signal: [signo: number];
}

/** Emits `exit` and `signal` once startEvents() has run. */
export const events = new EventEmitter<SysEventMap>();

/** Catches these signals (and SIGCHLD, always) and feeds `events`. Calling again adds signals. */
export function startEvents(signals: Signal[] = []): void {
  native().startEvents(
    signals.map(signalNumber),
    (signo) => events.emit("signal", signo),
    (exit) => events.emit("exit", exit),
  );
}

/** Restores the dispositions from before startEvents and lets the loop exit. */
export function stopEvents(): void {
  native().stopEvents();
}

/** Whether the event source alone keeps the process alive (default true). */
export function refEvents(on: boolean): void {
  native().refEvents(on);
}
