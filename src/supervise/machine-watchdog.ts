// The watchdog (`watchdog-ms`, with notify-socket), as moves of the state
// machine: while run is up a "watchdog" timer runs; each WATCHDOG=1 from the
// service arms it again; when it fires, run is hung: it gets SIGABRT (a core
// dump, where one is kept, shows where it hung), then the timeout-kill path
// (SIGKILL to its process group after timeout-kill, or after KILL_REPEAT_MS
// without one, so a daemon that blocks SIGABRT still goes), and its death is
// restarted as any other. The history keeps the last such kill for the story.
import { KILL_REPEAT_MS, type Phase } from "./machine-types";
import { SIGABRT, SIGCONT } from "../s6/signal-names";
import type { Ctx } from "./machine-steps";

/** The watchdog period in ms, 0 when there is none (watchdog-ms needs notify-socket to be heard). */
export function watchdogMs(ctx: Ctx): number {
  return ctx.config.notifySocket ? ctx.config.watchdogMs : 0;
}

/** run came up (or was adopted): the first WATCHDOG=1 is due within the period. */
export function armWatchdog(ctx: Ctx): void {
  const ms = watchdogMs(ctx);
  if (ms > 0) ctx.emit({ type: "armTimer", kind: "watchdog", ms });
}

/** run is gone: no watchdog for a process that is not there. */
export function cancelWatchdog(ctx: Ctx): void {
  if (watchdogMs(ctx) > 0) ctx.emit({ type: "cancelTimer", kind: "watchdog" });
}

/** WATCHDOG=1 while up: the period starts again. */
export function onWatchdogPing(ctx: Ctx): void {
  const phase = ctx.s.phase as Extract<Phase, { kind: "up" }>;
  if (!phase.dying) armWatchdog(ctx);
}

/** The period passed without WATCHDOG=1: SIGABRT, then the timeout-kill path. */
export function onWatchdogTimer(ctx: Ctx, now: number): void {
  const phase = ctx.s.phase as Extract<Phase, { kind: "up" }>;
  const ms = watchdogMs(ctx);
  if (phase.dying || ms <= 0) return;
  const killMs = ctx.config.timeoutKillMs > 0 ? ctx.config.timeoutKillMs : KILL_REPEAT_MS;
  ctx.log(
    `warning: ${ctx.config.name}/run sent no WATCHDOG=1 within watchdog-ms (${ms} ms) - sending SIGABRT, then SIGKILL to its process group after ${killMs} ms`,
  );
  ctx.emit({ type: "kill", pid: phase.pid, signal: SIGABRT });
  ctx.emit({ type: "kill", pid: phase.pid, signal: SIGCONT }); // a stopped process must wake up to receive it
  ctx.s.paused = false;
  ctx.s.phase = { ...phase, dying: true };
  ctx.emit({ type: "armTimer", kind: "kill", ms: killMs });
  ctx.s.history = { ...ctx.s.history, watchdogKills: ctx.s.history.watchdogKills + 1, lastWatchdogKill: { at: now, ms } };
  ctx.announce();
}
