// The moves the state machine makes from more than one place: start run, take
// a death, become down-and-ready, restart or throttle, exit. Each works on
// Ctx, the working copy of one step (a fresh state and the effects so far).
import {
  exitCodeOf, MAX_DEATH_TALLY, termSigOf, THROTTLE_MS,
  type Death, type Effect, type Phase, type SuperviseConfig, type SuperviseState,
} from "./machine-types";

/** The mutable working copy of one step: a fresh state and its effects. */
export class Ctx {
  readonly effects: Effect[] = [];
  constructor(public s: SuperviseState, readonly config: SuperviseConfig) {}
  emit(e: Effect): void { this.effects.push(e); }
  announce(): void {
    // Several announces in a row would write the same final state twice.
    if (this.effects.at(-1)?.type !== "writeStatus") this.emit({ type: "writeStatus" });
  }
  notify(letters: string): void { this.emit({ type: "event", letters }); }
  log(message: string): void { this.emit({ type: "log", message }); }
}

/** spawnRun, waiting in `starting` for its report. */
export function startRun(ctx: Ctx): void {
  ctx.s.phase = { kind: "starting", deferred: [] };
  ctx.emit({ type: "spawnRun", notificationFd: ctx.config.notificationFd });
}

/** run died: record it, then finish (or, without ./finish, down-and-ready at once). */
export function onRunDeath(ctx: Ctx, phase: Extract<Phase, { kind: "up" }>, status: number, now: number): void {
  const { s, config } = ctx;
  if (phase.dying) ctx.emit({ type: "cancelTimer", kind: "kill" });
  s.waitStatus = status;
  s.paused = false;
  s.ready = false;
  s.stamp = now;
  const keep = Math.max(0, Math.min(MAX_DEATH_TALLY, Math.floor(config.maxDeathTally)));
  if (keep > 0) {
    const sig = termSigOf(status);
    const death: Death = { at: now, exitCode: sig ? 128 + sig : exitCodeOf(status), signal: sig };
    s.deaths = [...s.deaths, death].slice(-keep);
    ctx.emit({ type: "writeDeathTally" });
  }
  if (!config.hasFinish) {
    finishDone(ctx, "dD", now);
    return;
  }
  s.phase = { kind: "finishing", pid: null };
  ctx.announce();
  ctx.notify("d");
  const sig = termSigOf(status);
  ctx.emit({ type: "spawnFinish", args: [sig ? "256" : String(exitCodeOf(status)), String(sig), config.name] });
}

/** s6's set_down_and_ready, then exit or restart. */
export function finishDone(ctx: Ctx, letters: string, now: number): void {
  const { s } = ctx;
  ctx.emit({ type: "killLeftovers" });
  s.phase = { kind: "down" };
  s.ready = true;
  s.readyStamp = now;
  ctx.announce();
  ctx.notify(letters);
  if (s.exitRequested) exit(ctx);
  else if (s.wantUp && !s.frozen) restartOrThrottle(ctx, now);
}

function restartOrThrottle(ctx: Ctx, now: number): void {
  const ran = ctx.s.spawnedAt === null ? THROTTLE_MS : now - ctx.s.spawnedAt;
  if (ran >= THROTTLE_MS) return startRun(ctx);
  ctx.s.phase = { kind: "throttled", reason: "throttle" };
  ctx.emit({ type: "armTimer", kind: "restart", ms: THROTTLE_MS - ran });
}

/** This supervisor is done: announce x, the effects layer lets it go. */
export function exit(ctx: Ctx): void {
  if (ctx.s.phase.kind === "throttled") ctx.emit({ type: "cancelTimer", kind: "restart" });
  ctx.s.phase = { kind: "exited" };
  ctx.notify("x");
  ctx.emit({ type: "exited" });
}

/** want-up changed: announced in the status. */
export function setWantUp(ctx: Ctx, wantUp: boolean): void {
  ctx.s.wantUp = wantUp;
  ctx.announce();
}

export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
