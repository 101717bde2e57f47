// The supervision policy of one service, as s6-supervise 2.11 runs it, written
// as a pure state machine: step(state, event, config) → { state, effects }.
// No I/O and no clock: time arrives in events as `now` (ms since the epoch),
// and every outside action is an Effect that a thin layer applies in order.
//
// Phases (s6's DOWN/UP/FINISH, with LASTUP/LASTFINISH folded into the
// exitRequested flag):
//   init → start → down | starting
//   down        run not running, no timer
//   throttled   run not running, the restart timer is armed
//   starting    spawnRun was issued; waiting for spawned / spawnFailed
//   up          run is alive (dying = the timeout-kill timer is armed)
//   finishing   run died; ./finish runs (pid null until finishSpawned)
//   exited      this supervisor is done; every event is ignored
//
// Crash loops and backoff (tsinit's, not s6's; the policy is in history.ts):
// the machine feeds it each death and restart, and a "stable" timer tells it
// run stayed up. Without restart-delay-max the restart timing is s6's (see
// Throttle below); only the count and two log lines are added.
//
// `frozen` (the freeze event: a shutdown began) is orthogonal to the phase:
// from then on a death is recorded and announced as always, but nothing is
// started again — no restart, no retry, no `u` — so a stage-3 hook that runs
// `kill -15 -1` ends the services instead of having them respawned.
//
// Deliberate differences from s6 2.11 (documented in the report):
// - Throttle: restart at once when the run lasted >= 1 s since its spawn,
//   else arm "restart" for the remainder (s6 waits 1 s after finish, or
//   ready+1 s).
// - Without ./finish nothing is spawned: "dD" is announced at the death
//   (s6 forks a child that fails to exec, then throttles from it).
// - timeout-kill sends SIGKILL to the process group (killGroup, pgid = run's
//   pid since run is a session leader) so the daemon's children go too; s6
//   kills the pid only. Letters still signal the pid only, as in s6.
// - Control letters that arrive in `starting` are kept and replayed once
//   spawned/spawnFailed arrives (s6 spawns synchronously and never sees them).
import type { SuperviseLetter } from "../control/letters";
import {
  SIGABRT, SIGALRM, SIGCONT, SIGHUP, SIGINT, SIGKILL, SIGQUIT, SIGSTOP, SIGTERM,
  SIGUSR1, SIGUSR2, SIGWINCH,
} from "./signal-names";
import { afterDeath, freshHistory, needsSettle, nextDelay, settle as settleHistory, stableMs, type ServiceHistory } from "./history";

export { THROTTLE_MS } from "./history";

/** What the machine needs from the service directory (see config.ts). */
export interface SuperviseConfig {
  /** argv[1] of run and argv[3] of finish: the name s6-svscan used */
  name: string;
  hasFinish: boolean;
  /** ./down existed when the supervisor started (read only at start) */
  hasDownFile: boolean;
  downSignal: number;
  /** 0 = never SIGKILL after d */
  timeoutKillMs: number;
  /** 0 = let finish run forever */
  timeoutFinishMs: number;
  /** 0..4096; 0 keeps no death records */
  maxDeathTally: number;
  notificationFd: number | null;
  /** restart-delay-max in ms: 0 = no backoff (s6's throttle) */
  restartDelayMaxMs: number;
}

/** The defaults s6-supervise uses when a file is absent. */
export const DEFAULT_CONFIG: Omit<SuperviseConfig, "name"> = {
  hasFinish: false, hasDownFile: false, downSignal: SIGTERM, timeoutKillMs: 0,
  timeoutFinishMs: 5000, maxDeathTally: 100, notificationFd: null,
  restartDelayMaxMs: 0,
};

/** The timers the effects layer keeps, one of each kind at most. */
export type TimerKind = "restart" | "kill" | "finish" | "stable";

/** Where the service is; see the table at the top of this file. */
export type Phase =
  | { kind: "init" }
  | { kind: "down" }
  | { kind: "throttled"; reason: "throttle" | "spawnFailed" }
  | { kind: "starting"; deferred: SuperviseLetter[] }
  | { kind: "up"; pid: number; dying: boolean }
  | { kind: "finishing"; pid: number | null }
  | { kind: "exited" };

/** One death of run, for supervise/death_tally. */
export interface Death {
  at: number;
  /** exit code, or 128 + signal */
  exitCode: number;
  /** 0 when run exited */
  signal: number;
}

/** Everything s6 keeps per service, plus the phase. */
export interface SuperviseState {
  phase: Phase;
  wantUp: boolean;
  paused: boolean;
  /** s6's flagready: set on readiness, and again when down-and-ready after finish */
  ready: boolean;
  /** x (or removal) was received: exit once run and finish are over */
  exitRequested: boolean;
  /** ms of the last spawn or death */
  stamp: number;
  /** ms of the last readiness or down-and-ready */
  readyStamp: number;
  /** ms of the last successful spawn of run, for the throttle */
  spawnedAt: number | null;
  /** raw wait status of run's last death */
  waitStatus: number;
  /** oldest first, at most config.maxDeathTally */
  deaths: Death[];
  /** why the last spawn of run failed, so a retry that fails alike says nothing new */
  lastSpawnFailure: string | null;
  /** a shutdown began: deaths are recorded, nothing is started again */
  frozen: boolean;
  /** restarts, last exit, crash loop, backoff: see ServiceHistory */
  history: ServiceHistory;
}

/** Inputs to the machine. */
export type SuperviseEvent =
  | { type: "start"; now: number }
  | { type: "control"; letter: SuperviseLetter }
  | { type: "spawned"; pid: number; now: number }
  | { type: "spawnFailed"; errno: string; now: number; during?: "exec" | "fork"; why?: string; path?: string }
  | { type: "died"; pid: number; status: number; now: number }
  | { type: "finishSpawned"; pid: number }
  | { type: "finishSpawnFailed"; errno: string; now: number }
  | { type: "finishDied"; pid: number; status: number; now: number }
  | { type: "timer"; kind: TimerKind }
  | { type: "ready"; now: number }
  | { type: "removed" }
  /** a shutdown began: never start run again (see `frozen`) */
  | { type: "freeze" }
  /** before start or adopt after a re-exec: the history the previous image recorded */
  | { type: "restore"; history: ServiceHistory }
  /** a new image of PID 1 (re-exec) takes over what the old one left running,
   *  from supervise/status: run (or finish) is still our child */
  | { type: "adopt"; pid: number; finishing: boolean; wantUp: boolean; paused: boolean; ready: boolean; stamp: number; readyStamp: number; waitStatus: number };

/** Outputs of the machine, to be applied in order. */
export type Effect =
  | { type: "spawnRun"; notificationFd: number | null }
  | { type: "spawnFinish"; args: [string, string, string] }
  | { type: "kill"; pid: number; signal: number }
  | { type: "killGroup"; pgid: number; signal: number }
  | { type: "armTimer"; kind: TimerKind; ms: number }
  | { type: "cancelTimer"; kind: TimerKind }
  | { type: "writeStatus" }
  | { type: "writeDeathTally" }
  | { type: "event"; letters: string }
  | { type: "touchDown" }
  | { type: "unlinkDown" }
  | { type: "detachStdio" }
  /** run and finish are both gone: what they left behind (a daemon that
   *  double-forked) may be killed — the effects layer does it with cgroup.kill */
  | { type: "killLeftovers" }
  | { type: "log"; message: string }
  | { type: "exited" };

/** The result of one step. */
export interface Step {
  state: SuperviseState;
  effects: Effect[];
}

/** Retry delay after run could not be executed (s6: 10 s). */
export const EXEC_RETRY_MS = 10_000;
/** Retry delay after fork/pipe failure (s6: 60 s). */
export const FORK_RETRY_MS = 60_000;
/** SIGKILL is repeated this often while a process refuses to die (s6: 5 s). */
export const KILL_REPEAT_MS = 5000;
/** s6's ceiling for max-death-tally. */
export const MAX_DEATH_TALLY = 4096;

/** A supervisor that has not received `start` yet. */
export function initialState(): SuperviseState {
  return {
    phase: { kind: "init" }, wantUp: true, paused: false, ready: false, exitRequested: false,
    stamp: 0, readyStamp: 0, spawnedAt: null, waitStatus: 0, deaths: [], lastSpawnFailure: null,
    frozen: false, history: freshHistory(),
  };
}

/** True when the raw wait status says the process was killed by a signal. */
export function wasSignaled(status: number): boolean {
  const sig = status & 0x7f;
  return sig !== 0 && sig !== 0x7f;
}

/** WEXITSTATUS, or 0 when signalled. */
export function exitCodeOf(status: number): number {
  return wasSignaled(status) ? 0 : (status >> 8) & 0xff;
}

/** WTERMSIG, or 0 when the process exited. */
export function termSigOf(status: number): number {
  return wasSignaled(status) ? status & 0x7f : 0;
}

const LETTER_SIGNALS: Partial<Record<SuperviseLetter, number>> = {
  a: SIGALRM, b: SIGABRT, q: SIGQUIT, h: SIGHUP, k: SIGKILL, t: SIGTERM, i: SIGINT,
  "1": SIGUSR1, "2": SIGUSR2, y: SIGWINCH,
};

/** The mutable working copy of one step: a fresh state and its effects. */
class Ctx {
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

/** Applies one event; never throws, never mutates its arguments. */
export function step(state: SuperviseState, event: SuperviseEvent, config: SuperviseConfig): Step {
  const ctx = new Ctx({ ...state, deaths: state.deaths }, config);
  handle(ctx, event);
  return { state: ctx.s, effects: ctx.effects };
}

function handle(ctx: Ctx, ev: SuperviseEvent): void {
  const { s } = ctx;
  const phase = s.phase;
  switch (ev.type) {
    case "start":
      if (phase.kind === "init") onStart(ctx, ev.now);
      return;
    case "adopt":
      if (phase.kind === "init") onAdopt(ctx, ev);
      return;
    case "restore":
      if (phase.kind === "init") s.history = { ...ev.history };
      return;
    case "control":
      control(ctx, ev.letter);
      return;
    case "removed":
      // Like s6-supervise's SIGTERM: -d then -x.
      if (phase.kind === "init") { s.phase = { kind: "exited" }; ctx.emit({ type: "exited" }); return; }
      control(ctx, "d");
      control(ctx, "x");
      return;
    case "freeze":
      s.frozen = true;
      if (phase.kind === "throttled") {
        ctx.emit({ type: "cancelTimer", kind: "restart" });
        s.phase = { kind: "down" };
      }
      return;
    case "spawned":
      if (phase.kind !== "starting") { ctx.log(`warning: ${ctx.config.name}: unexpected spawn report for pid ${ev.pid}`); return; }
      s.phase = { kind: "up", pid: ev.pid, dying: false };
      s.spawnedAt = ev.now;
      s.stamp = ev.now;
      s.ready = false;
      s.lastSpawnFailure = null;
      s.history = { ...s.history, spawnError: null };
      ctx.announce();
      ctx.notify("u");
      armStable(ctx);
      for (const l of phase.deferred) control(ctx, l);
      return;
    case "spawnFailed": {
      if (phase.kind !== "starting") return;
      if (s.frozen) {
        s.phase = { kind: "down" };
        for (const l of phase.deferred) control(ctx, l);
        return;
      }
      const ms = ev.during === "fork" ? FORK_RETRY_MS : EXEC_RETRY_MS;
      // One line per distinct failure: a missing run retried every 10 s
      // would otherwise fill the catch-all log with the same sentence.
      const why = ev.why ?? `unable to spawn ${ctx.config.name}/run: ${ev.errno}`;
      if (why !== s.lastSpawnFailure) ctx.log(`${why} (retrying in ${ms / 1000} seconds)`);
      s.lastSpawnFailure = why;
      s.history = { ...s.history, spawnError: { code: ev.errno, why, path: ev.path ?? null, at: ev.now, retryMs: ms } };
      s.phase = { kind: "throttled", reason: "spawnFailed" };
      ctx.emit({ type: "armTimer", kind: "restart", ms });
      for (const l of phase.deferred) control(ctx, l);
      return;
    }
    case "died":
      if (phase.kind === "up" && phase.pid === ev.pid) onRunDeath(ctx, phase, ev.status, ev.now);
      return;
    case "finishSpawned":
      if (phase.kind !== "finishing" || phase.pid !== null) return;
      s.phase = { kind: "finishing", pid: ev.pid };
      ctx.announce();
      if (ctx.config.timeoutFinishMs > 0) ctx.emit({ type: "armTimer", kind: "finish", ms: ctx.config.timeoutFinishMs });
      return;
    case "finishSpawnFailed":
      if (phase.kind !== "finishing" || phase.pid !== null) return;
      ctx.log(`warning: unable to spawn ${ctx.config.name}/finish: ${ev.errno}`);
      finishDone(ctx, "D", ev.now);
      return;
    case "finishDied":
      if (phase.kind !== "finishing" || phase.pid !== ev.pid) return;
      ctx.emit({ type: "cancelTimer", kind: "finish" });
      if (!wasSignaled(ev.status) && exitCodeOf(ev.status) === 125) {
        s.wantUp = false;
        finishDone(ctx, "OD", ev.now);
      } else finishDone(ctx, "D", ev.now);
      return;
    case "timer":
      onTimer(ctx, ev.kind);
      return;
    case "ready":
      // Only the first newline counts: s6 closes notification-fd after it.
      if (phase.kind !== "up" || s.ready) return;
      s.ready = true;
      s.readyStamp = ev.now;
      ctx.announce();
      ctx.notify("U");
      return;
  }
  assertNever(ev);
}

function onStart(ctx: Ctx, now: number): void {
  const { s } = ctx;
  s.wantUp = !ctx.config.hasDownFile;
  s.stamp = now;
  s.readyStamp = now;
  s.deaths = [];
  s.phase = { kind: "down" };
  ctx.emit({ type: "writeDeathTally" }); // s6 truncates death_tally at start
  ctx.announce();
  ctx.notify("s");
  if (s.wantUp && !s.frozen) startRun(ctx);
}

// Nothing is spawned and nothing is announced: the process was running all
// along; only the timers that its phase needs are armed again.
function onAdopt(ctx: Ctx, ev: Extract<SuperviseEvent, { type: "adopt" }>): void {
  const { s } = ctx;
  s.wantUp = ev.wantUp;
  s.paused = ev.paused;
  s.ready = ev.ready;
  s.stamp = ev.stamp;
  s.readyStamp = ev.readyStamp;
  s.waitStatus = ev.waitStatus;
  if (ev.finishing) {
    s.phase = { kind: "finishing", pid: ev.pid };
    if (ctx.config.timeoutFinishMs > 0) ctx.emit({ type: "armTimer", kind: "finish", ms: ctx.config.timeoutFinishMs });
  } else {
    s.phase = { kind: "up", pid: ev.pid, dying: false };
    s.spawnedAt = ev.stamp;
    armStable(ctx);
  }
}

// The "stable" timer: armed at a spawn only when the history has something to reset.
function armStable(ctx: Ctx): void {
  if (needsSettle(ctx.s.history)) ctx.emit({ type: "armTimer", kind: "stable", ms: stableMs(ctx.config.restartDelayMaxMs) });
}

/** A death of run into the history (crash loop, last exit). */
function countDeath(ctx: Ctx, status: number, now: number): void {
  const { s } = ctx;
  if (needsSettle(s.history)) ctx.emit({ type: "cancelTimer", kind: "stable" });
  const ran = s.spawnedAt === null ? Infinity : now - s.spawnedAt;
  withLine(ctx, afterDeath(s.history, ctx.config.name, status, now, ran, s.wantUp));
}

/** Leaves a crash loop (one line) and resets the backoff. Told to stay down
 *  (not the timer's own firing), the stable timer goes too. */
function settle(ctx: Ctx, why: string, fromTimer = false): void {
  if (!fromTimer && needsSettle(ctx.s.history)) ctx.emit({ type: "cancelTimer", kind: "stable" });
  withLine(ctx, settleHistory(ctx.s.history, ctx.config.name, why));
}

function withLine(ctx: Ctx, r: { history: ServiceHistory; line: string | null }): void {
  ctx.s.history = r.history;
  if (r.line) ctx.log(r.line);
}

function startRun(ctx: Ctx): void {
  ctx.s.phase = { kind: "starting", deferred: [] };
  ctx.emit({ type: "spawnRun", notificationFd: ctx.config.notificationFd });
}

function onRunDeath(ctx: Ctx, phase: Extract<Phase, { kind: "up" }>, status: number, now: number): void {
  const { s, config } = ctx;
  if (phase.dying) ctx.emit({ type: "cancelTimer", kind: "kill" });
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
function finishDone(ctx: Ctx, letters: string, now: number): void {
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
  const { s, config } = ctx;
  // Without backoff the wait stays THROTTLE_MS: s6's timing.
  const { waitMs: wait, history } = nextDelay(s.history, config.restartDelayMaxMs);
  s.history = history;
  const ran = s.spawnedAt === null ? wait : now - s.spawnedAt;
  if (ran >= wait) return restart(ctx);
  s.phase = { kind: "throttled", reason: "throttle" };
  ctx.emit({ type: "armTimer", kind: "restart", ms: wait - ran });
}

/** A start of run the supervisor makes by itself: counted. */
function restart(ctx: Ctx): void {
  ctx.s.history = { ...ctx.s.history, restarts: ctx.s.history.restarts + 1 };
  startRun(ctx);
}

function exit(ctx: Ctx): void {
  if (ctx.s.phase.kind === "throttled") ctx.emit({ type: "cancelTimer", kind: "restart" });
  ctx.s.phase = { kind: "exited" };
  ctx.notify("x");
  ctx.emit({ type: "exited" });
}

function onTimer(ctx: Ctx, kind: TimerKind): void {
  const { s, config } = ctx;
  const phase = s.phase;
  // A timer that does not match the phase is stale (cancelled too late): ignore it.
  if (kind === "restart" && phase.kind === "throttled") {
    if (s.wantUp && !s.frozen) restart(ctx);
    else s.phase = { kind: "down" };
  } else if (kind === "stable" && phase.kind === "up") {
    settle(ctx, `run has stayed up for ${stableMs(config.restartDelayMaxMs) / 1000} s`, true);
  } else if (kind === "kill" && phase.kind === "up" && phase.dying) {
    ctx.log(`warning: ${config.name}/run did not die within timeout-kill - sending SIGKILL to its process group`);
    ctx.emit({ type: "killGroup", pgid: phase.pid, signal: SIGKILL });
    ctx.emit({ type: "armTimer", kind: "kill", ms: KILL_REPEAT_MS });
  } else if (kind === "finish" && phase.kind === "finishing" && phase.pid !== null) {
    ctx.log(`warning: ${config.name}/finish lifetime reached timeout-finish - sending it SIGKILL`);
    ctx.emit({ type: "kill", pid: phase.pid, signal: SIGCONT });
    ctx.emit({ type: "kill", pid: phase.pid, signal: SIGKILL });
    ctx.emit({ type: "armTimer", kind: "finish", ms: KILL_REPEAT_MS });
  }
}

function setWantUp(ctx: Ctx, wantUp: boolean): void {
  ctx.s.wantUp = wantUp;
  // Told to stay down, it is no longer looping: the next -u starts it fresh.
  if (!wantUp) settle(ctx, "told to stay down");
  ctx.announce();
}

/** One control letter, by phase (s6-supervise's action table). */
function control(ctx: Ctx, letter: SuperviseLetter): void {
  const phase = ctx.s.phase;
  switch (phase.kind) {
    case "init":
    case "exited":
      return;
    case "starting":
      ctx.s.phase = { kind: "starting", deferred: [...phase.deferred, letter] };
      return;
    case "down":
    case "throttled":
      return controlDown(ctx, letter);
    case "up":
      return controlUp(ctx, phase, letter);
    case "finishing":
      return controlFinishing(ctx, letter);
  }
  assertNever(phase);
}

function controlDown(ctx: Ctx, letter: SuperviseLetter): void {
  const stopTimer = () => {
    if (ctx.s.phase.kind === "throttled") ctx.emit({ type: "cancelTimer", kind: "restart" });
    ctx.s.phase = { kind: "down" };
  };
  switch (letter) {
    case "a": case "b": case "q": case "h": case "k": case "t": case "i": case "1": case "2":
    case "y": case "p": case "c": case "r":
      return; // nothing to signal
    case "u": case "U": case "o":
      // -u while down starts at once, even during the throttle; -o starts once.
      if (letter === "U") ctx.emit({ type: "unlinkDown" });
      setWantUp(ctx, letter !== "o");
      stopTimer();
      if (ctx.s.frozen) return;
      return startRun(ctx);
    case "d": case "D": case "O": case "Q":
      if (letter === "D" || letter === "Q") ctx.emit({ type: "touchDown" });
      setWantUp(ctx, false);
      return stopTimer();
    case "x":
      return exit(ctx);
  }
  assertNever(letter);
}

function controlUp(ctx: Ctx, phase: Extract<Phase, { kind: "up" }>, letter: SuperviseLetter): void {
  const { s, config } = ctx;
  const kill = (signal: number) => ctx.emit({ type: "kill", pid: phase.pid, signal });
  switch (letter) {
    case "a": case "b": case "q": case "h": case "k": case "t": case "i": case "1": case "2": case "y":
      return kill(LETTER_SIGNALS[letter]!);
    case "p": case "c":
      kill(letter === "p" ? SIGSTOP : SIGCONT);
      s.paused = letter === "p";
      return ctx.announce();
    case "r":
      return kill(config.downSignal); // wantUp decides whether it comes back
    case "o": case "O":
      return setWantUp(ctx, false); // no kill: it just won't be restarted
    case "u":
      return setWantUp(ctx, true);
    case "U":
      ctx.emit({ type: "unlinkDown" });
      return setWantUp(ctx, true);
    case "Q":
      ctx.emit({ type: "touchDown" });
      return setWantUp(ctx, false);
    case "d": case "D":
      if (letter === "D") ctx.emit({ type: "touchDown" });
      s.wantUp = false;
      settle(ctx, "told to stay down");
      kill(config.downSignal);
      kill(SIGCONT); // a stopped process must wake up to receive it
      s.paused = false;
      ctx.announce();
      if (config.timeoutKillMs > 0) {
        s.phase = { ...phase, dying: true };
        ctx.emit({ type: "armTimer", kind: "kill", ms: config.timeoutKillMs });
      }
      return;
    case "x":
      s.exitRequested = true;
      return ctx.emit({ type: "detachStdio" });
  }
  assertNever(letter);
}

function controlFinishing(ctx: Ctx, letter: SuperviseLetter): void {
  switch (letter) {
    case "a": case "b": case "q": case "h": case "k": case "t": case "i": case "1": case "2":
    case "y": case "p": case "c": case "r":
      return; // finish is never signalled by letters
    case "o": case "d": case "O":
      return setWantUp(ctx, false);
    case "D": case "Q":
      ctx.emit({ type: "touchDown" });
      return setWantUp(ctx, false);
    case "u":
      return setWantUp(ctx, true);
    case "U":
      ctx.emit({ type: "unlinkDown" });
      return setWantUp(ctx, true);
    case "x":
      ctx.s.exitRequested = true;
      return ctx.emit({ type: "detachStdio" });
  }
  assertNever(letter);
}

function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
