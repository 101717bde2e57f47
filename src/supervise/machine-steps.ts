// The moves the state machine makes from more than one place: start run, take
// a death, become down-and-ready, restart or throttle, exit, and feed the
// history (crash loop, backoff: machine-history.ts) at a death, a restart and
// a settle. Each works on Ctx, the working copy of one step (a fresh state and
// the effects so far).
import { exitCodeOf, MAX_DEATH_TALLY, termSigOf, type Death, type Effect, type Phase, type SuperviseConfig, type SuperviseState } from "./machine-types";
import { afterDeath, needsSettle, nextDelay, settle as settleHistory, stableMs, type HistoryStep } from "./machine-history";
import { countDeath as countTowardsLimit } from "./machine-limit";
import { cancelWatchdog } from "./machine-watchdog";

/** The mutable working copy of one step: a fresh state and its effects. */
export class Ctx {
  readonly effects: Effect[] = [];
  constructor(
    public s: SuperviseState,
    readonly config: SuperviseConfig,
  ) {}
  emit(e: Effect): void {
    this.effects.push(e);
  }
  announce(): void {
    // Several announces in a row would write the same final state twice.
    if (this.effects.at(-1)?.type !== "writeStatus") this.emit({ type: "writeStatus" });
  }
  notify(letters: string): void {
    this.emit({ type: "event", letters });
  }
  log(message: string): void {
    this.emit({ type: "log", message });
  }
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
  cancelWatchdog(ctx);
  s.waitStatus = status;
  s.paused = false;
  s.ready = false;
  s.stamp = now;
  countDeath(ctx, status, now);
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
  // Failed (restart-limit): down for good until someone starts it, and
  // want-down as s6-svstat reads it (what s6-permafailon's exit 125 leaves).
  const failedNow = s.history.failed !== null && s.wantUp;
  if (failedNow) {
    s.wantUp = false;
    settle(ctx, "it failed");
  }
  ctx.announce();
  ctx.notify(letters);
  if (failedNow) ctx.emit({ type: "failed" });
  if (s.exitRequested) exit(ctx);
  else if (s.wantUp && !s.frozen) restartOrThrottle(ctx, now);
}

function restartOrThrottle(ctx: Ctx, now: number): void {
  const { s, config } = ctx;
  // Without backoff the wait stays THROTTLE_MS: s6's timing.
  const { waitMs: wait, history } = nextDelay(s.history, config.restartDelayMaxMs);
  s.history = history;
  const ran = s.spawnedAt === null ? wait : now - s.spawnedAt;
  if (ran >= wait) return restart(ctx);
  s.phase = { kind: "throttled", reason: "throttle" };
  ctx.emit({ type: "armTimer", kind: "restart", ms: wait - ran });
}

/** A start of run the supervisor makes by itself (after a death or a failed start): counted. */
export function restart(ctx: Ctx): void {
  ctx.s.history = { ...ctx.s.history, restarts: ctx.s.history.restarts + 1 };
  startRun(ctx);
}

/** The "stable" timer, armed when run starts (or is adopted) only when the
 *  history has something to reset: a healthy service sets no timer. */
export function armStable(ctx: Ctx): void {
  if (needsSettle(ctx.s.history)) ctx.emit({ type: "armTimer", kind: "stable", ms: stableMs(ctx.config.restartDelayMaxMs) });
}

/** A death of run into the history (crash loop, last exit). */
function countDeath(ctx: Ctx, status: number, now: number): void {
  const { s } = ctx;
  if (needsSettle(s.history)) ctx.emit({ type: "cancelTimer", kind: "stable" });
  const ran = s.spawnedAt === null ? Infinity : now - s.spawnedAt;
  withLine(ctx, afterDeath(s.history, ctx.config.name, status, now, ran, s.wantUp));
  const limit = ctx.config.restartLimit;
  if (limit && s.wantUp && !s.frozen && !s.exitRequested) withLine(ctx, countTowardsLimit(s.history, limit, ctx.config.name, now));
}

/** Leaves a crash loop (one line) and resets the backoff. Told to stay down
 *  (not the timer's own firing), the stable timer goes too. */
export function settle(ctx: Ctx, why: string, fromTimer = false): void {
  if (!fromTimer && needsSettle(ctx.s.history)) ctx.emit({ type: "cancelTimer", kind: "stable" });
  withLine(ctx, settleHistory(ctx.s.history, ctx.config.name, why));
}

function withLine(ctx: Ctx, r: HistoryStep): void {
  ctx.s.history = r.history;
  if (r.line) ctx.log(r.line);
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
  // Told to stay down, it is no longer looping: the next -u starts it fresh.
  if (!wantUp) settle(ctx, "told to stay down");
  ctx.announce();
}

export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
