// What PID 1 holds while it runs (Pid1: made before the first event handler
// can fire, filled in by init-main.ts's boot steps as they go) and what it
// does when asked: stage 3 on a power request, a rescan on SIGHUP, a re-exec
// on request or on its own fatal error. Each handler reads the state as it
// is when it runs: a shutdown during boot finds no scanner yet, and stops
// what there is.
import * as sys from "../sys";
import { logLine, reason, setLogSink } from "../cli/log";
import { timed, within } from "../cli/timed";
import type { CatchAll } from "../log/catch-all";
import type { Scanner } from "../supervise/scanner";
import type { InitValues } from "./init-options";
import { syncMirror } from "./mirror";
import { reexecNow, REEXEC_SIGNAL, type Inherited } from "./reexec";
import { stage3, stopScanner } from "../shutdown/stage3";
import { actionForSignal, SIGNAL_ACTIONS, type PowerAction } from "../shutdown/actions";

/** What PID 1's steps leave for later ones and for its event handlers. */
export interface Pid1 {
  readonly values: InitValues;
  readonly graceMs: number;
  readonly inherited: Inherited | null;
  readonly startedAt: number;
  /** Deaths of everything we spawned go to their owner; the rest are orphans,
   *  just reaped. One router for tasks, services (the scanner is given it) and stage 3. */
  readonly deaths: sys.DeathRouter;
  /** After a re-exec, deaths before the adoption may be of adopted services: kept until it. */
  readonly earlyExits: sys.Exit[];
  /** the image's scan dir's live mirror, which the scanner supervises */
  readonly live: string;
  catchAll?: CatchAll;
  scanner?: Scanner;
  readonly scannerFinished: Promise<void>;
  readonly scannerDone: () => void;
  shuttingDown: boolean;
  /** boot is done: a re-exec request before that waits for the next one */
  booted: boolean;
  disarmTrim: () => void;
}

/** The state before the first step: nothing started, nothing to stop. */
export function newPid1(values: InitValues, graceMs: number, inherited: Inherited | null, startedAt: number): Pid1 {
  let scannerDone: () => void = () => undefined;
  const scannerFinished = new Promise<void>((r) => (scannerDone = r));
  return {
    values,
    graceMs,
    inherited,
    startedAt,
    deaths: new sys.DeathRouter(),
    earlyExits: [],
    live: `${values.rundir}/service`,
    scannerFinished,
    scannerDone,
    shuttingDown: false,
    booted: false,
    disarmTrim: () => undefined,
  };
}

/** Stage 3, once: a second request while it runs is said and ignored. */
export function shutdown(pid1: Pid1, action: PowerAction): void {
  if (pid1.shuttingDown) return logLine(`info: ${action} requested while shutting down: ignored`);
  pid1.shuttingDown = true;
  pid1.disarmTrim();
  void stage3(action, {
    hook: `${pid1.values.scandir}/.s6-svscan/finish`,
    env: sys.envStrings(process.env),
    graceMs: pid1.graceMs,
    nextDeath: () => new Promise<void>((r) => sys.events.once("exit", () => r())),
    watchPid: (pid, cb) => pid1.deaths.watchPid(pid, cb),
    freeze: () => pid1.scanner?.freeze(),
    stopServices: (grace) => stopScanner(pid1.scanner, pid1.scannerFinished, grace),
    flushLogs: async () => {
      if (!pid1.catchAll) return;
      setLogSink(null);
      await within(pid1.catchAll.stop(), 2000);
    },
  }).catch((e) => logLine(`shutdown: ${reason(e)}`));
}

export function onFatal(pid1: Pid1, what: string): void {
  logLine(`fatal: ${what}: re-executing to keep process 1 alive`);
  if (pid1.shuttingDown) return;
  try {
    reexecNow("exception", pid1.inherited, pid1.startedAt);
  } catch (e) {
    logLine(`unable to re-execute: ${reason(e)}`);
    shutdown(pid1, "reboot");
  }
}

/** PID 1 must not die of its own bugs: say what happened, then re-execute
 *  (services are adopted, not restarted); if even that fails, shut down cleanly. */
export function catchFatalErrors(pid1: Pid1): void {
  process.on("uncaughtException", (e) => onFatal(pid1, `${reason(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ""}`));
  process.on("unhandledRejection", (e) => onFatal(pid1, `unhandled rejection: ${reason(e)}`));
}

/** SIGHUP, or scan-ctl -a: the image's scan dir is mirrored again and rescanned. */
export function rescan(pid1: Pid1): void {
  for (const p of syncMirror(pid1.values.scandir, pid1.live)) logLine(p);
  pid1.scanner?.rescan();
}

/** `tsinit reexec`: the new image takes over the services, once boot is done. */
async function plannedReexec(pid1: Pid1): Promise<void> {
  if (!pid1.booted) return logLine("info: re-exec requested during boot: ignored");
  if (pid1.shuttingDown) return logLine("info: re-exec requested while shutting down: ignored");
  logLine("info: re-exec requested: the new image takes over the services");
  if (pid1.catchAll) await within(pid1.catchAll.idle(), 2000);
  try {
    reexecNow("planned", pid1.inherited, pid1.startedAt);
  } catch (e) {
    logLine(`unable to re-execute: ${reason(e)}: carrying on`);
  }
}

/** Signals and deaths, one event source; false when it could not start. */
export function catchEvents(pid1: Pid1): boolean {
  const caught = timed("boot", "catch signals and deaths", () => {
    sys.startEvents([...Object.keys(SIGNAL_ACTIONS), "SIGHUP", REEXEC_SIGNAL]);
    sys.events.on("exit", (exit) => {
      if (!pid1.deaths.has(exit.pid) && !pid1.scanner && pid1.inherited) pid1.earlyExits.push(exit);
      else void pid1.deaths.route(exit);
    });
    sys.events.on("signal", (signo) => {
      const action = actionForSignal(signo);
      if (action) shutdown(pid1, action);
      else if (signo === sys.signalNumber("SIGHUP")) rescan(pid1);
      else if (signo === sys.signalNumber(REEXEC_SIGNAL)) void plannedReexec(pid1);
    });
    return true;
  });
  return caught === true;
}
