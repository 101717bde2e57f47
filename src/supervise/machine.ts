// The supervision policy of one service, as s6-supervise 2.11 runs it, written
// as a pure state machine: step(state, event, config) → { state, effects }.
// This file is the state × event table (EVENTS below: a row per event, a
// cell per phase in which it acts); the letters' table by phase is
// machine-letters.ts, the moves both share machine-steps.ts, the types and
// constants machine-types.ts.
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
// Crash loops and backoff (tsinit's, not s6's; the policy is in
// machine-history.ts): the machine feeds it each death and restart, and a
// "stable" timer tells it run stayed up. Without restart-delay-max the restart
// timing is s6's (see Throttle below); only the count and two log lines are added.
//
// `frozen` (the freeze event: a shutdown began) is orthogonal to the phase:
// from then on a death is recorded and announced as always, but nothing is
// started again — no restart, no retry, no `u` — so a stage-3 hook that runs
// `kill -15 -1` ends the services instead of having them respawned.
//
// Deliberate differences from s6 2.11:
// - Throttle: restart at once when the run lasted >= 1 s since its spawn,
//   else arm "restart" for the remainder (s6 waits 1 s after finish, or
//   ready+1 s).
// - Without ./finish nothing is spawned: "dD" is announced at the death
//   (s6 forks a child that fails to exec, then throttles from it).
// - timeout-kill sends SIGKILL to the process group (killGroup, pgid = run's
//   pid since run is a session leader) so the daemon's children go too; s6
//   kills the pid only. Letters still signal the pid only, as in s6.
// - run is spawned on the addon's spawner thread (service-procs.ts): `starting`
//   lasts until its report. Control letters that arrive meanwhile (-d, -k, a
//   shutdown's removal) are kept and replayed once spawned/spawnFailed
//   arrives, in order (s6 spawns synchronously and never sees them); a
//   freeze is noted at once. Both reports announce: supervise/status is
//   written once the pid (or the failure) is known, never while starting.
import {
  EXEC_RETRY_MS,
  exitCodeOf,
  FORK_RETRY_MS,
  KILL_REPEAT_MS,
  wasSignaled,
  type Phase,
  type Step,
  type SuperviseConfig,
  type SuperviseEvent,
  type SuperviseState,
} from "./machine-types";
import { SIGCONT, SIGKILL } from "../s6/signal-names";
import { armStable, Ctx, finishDone, onRunDeath, restart, settle, startRun } from "./machine-steps";
import { stableMs } from "./machine-history";
import { control } from "./machine-letters";
import { armWatchdog, onWatchdogPing, onWatchdogTimer } from "./machine-watchdog";

export * from "./machine-types";

/** Applies one event; never throws, never mutates its arguments. */
export function step(state: SuperviseState, event: SuperviseEvent, config: SuperviseConfig): Step {
  const ctx = new Ctx({ ...state, deaths: state.deaths }, config);
  const row = EVENTS[event.type] as Row<SuperviseEvent["type"]>;
  const cell = row[ctx.s.phase.kind] ?? row.any;
  cell?.(ctx, event as never);
  return { state: ctx.s, effects: ctx.effects };
}

type Kind = Phase["kind"];
type Ev<T extends SuperviseEvent["type"]> = Extract<SuperviseEvent, { type: T }>;
type Cell<T extends SuperviseEvent["type"]> = (ctx: Ctx, ev: Ev<T>) => void;
/** An event's cells: one per phase it acts in, `any` for the other phases;
 *  a phase with neither ignores the event (a late or stale report). */
type Row<T extends SuperviseEvent["type"]> = Partial<Record<Kind | "any", Cell<T>>>;
type In<K extends Kind> = Extract<Phase, { kind: K }>;
const phaseOf = <K extends Kind>(ctx: Ctx) => ctx.s.phase as In<K>;

/** The state × event table. */
const EVENTS: { [T in SuperviseEvent["type"]]: Row<T> } = {
  start: { init: (ctx, ev) => onStart(ctx, ev.now) },
  adopt: { init: onAdopt },
  restore: { init: (ctx, ev) => void (ctx.s.history = { ...ev.history }) },
  control: { any: (ctx, ev) => control(ctx, ev.letter) },
  removed: {
    init: (ctx) => {
      ctx.s.phase = { kind: "exited" };
      ctx.emit({ type: "exited" });
    },
    // Like s6-supervise's SIGTERM: -d then -x.
    any: (ctx) => {
      control(ctx, "d");
      control(ctx, "x");
    },
  },
  freeze: {
    throttled: (ctx) => {
      ctx.s.frozen = true;
      ctx.emit({ type: "cancelTimer", kind: "restart" });
      ctx.s.phase = { kind: "down" };
    },
    any: (ctx) => {
      ctx.s.frozen = true;
    },
  },
  spawned: { starting: onSpawned, any: (ctx, ev) => ctx.log(`warning: ${ctx.config.name}: unexpected spawn report for pid ${ev.pid}`) },
  spawnFailed: { starting: onSpawnFailed },
  died: {
    up: (ctx, ev) => {
      const phase = phaseOf<"up">(ctx);
      if (phase.pid === ev.pid) onRunDeath(ctx, phase, ev.status, ev.now);
    },
  },
  finishSpawned: {
    finishing: (ctx, ev) => {
      if (phaseOf<"finishing">(ctx).pid !== null) return;
      ctx.s.phase = { kind: "finishing", pid: ev.pid };
      ctx.announce();
      if (ctx.config.timeoutFinishMs > 0) ctx.emit({ type: "armTimer", kind: "finish", ms: ctx.config.timeoutFinishMs });
    },
  },
  finishSpawnFailed: {
    finishing: (ctx, ev) => {
      if (phaseOf<"finishing">(ctx).pid !== null) return;
      ctx.log(`warning: unable to spawn ${ctx.config.name}/finish: ${ev.errno}`);
      finishDone(ctx, "D", ev.now);
    },
  },
  finishDied: {
    finishing: (ctx, ev) => {
      if (phaseOf<"finishing">(ctx).pid !== ev.pid) return;
      ctx.emit({ type: "cancelTimer", kind: "finish" });
      if (!wasSignaled(ev.status) && exitCodeOf(ev.status) === 125) {
        ctx.s.wantUp = false;
        finishDone(ctx, "OD", ev.now);
      } else finishDone(ctx, "D", ev.now);
    },
  },
  // A timer that does not match the phase is stale (cancelled too late): ignored.
  timer: {
    throttled: (ctx, ev) => {
      if (ev.kind !== "restart") return;
      if (ctx.s.wantUp && !ctx.s.frozen) restart(ctx);
      else ctx.s.phase = { kind: "down" };
    },
    up: (ctx, ev) => {
      const phase = phaseOf<"up">(ctx);
      if (ev.kind === "stable") return settle(ctx, `run has stayed up for ${stableMs(ctx.config.restartDelayMaxMs) / 1000} s`, true);
      if (ev.kind === "watchdog") return onWatchdogTimer(ctx, ev.now ?? ctx.s.stamp);
      if (ev.kind !== "kill" || !phase.dying) return;
      ctx.log(`warning: ${ctx.config.name}/run did not die within timeout-kill - sending SIGKILL to its process group`);
      ctx.emit({ type: "killGroup", pgid: phase.pid, signal: SIGKILL });
      ctx.emit({ type: "armTimer", kind: "kill", ms: KILL_REPEAT_MS });
    },
    finishing: (ctx, ev) => {
      const phase = phaseOf<"finishing">(ctx);
      if (ev.kind !== "finish" || phase.pid === null) return;
      ctx.log(`warning: ${ctx.config.name}/finish lifetime reached timeout-finish - sending it SIGKILL`);
      ctx.emit({ type: "kill", pid: phase.pid, signal: SIGCONT });
      ctx.emit({ type: "kill", pid: phase.pid, signal: SIGKILL });
      ctx.emit({ type: "armTimer", kind: "finish", ms: KILL_REPEAT_MS });
    },
  },
  watchdog: { up: (ctx) => onWatchdogPing(ctx) },
  // Only the first newline counts: s6 closes notification-fd after it.
  ready: {
    up: (ctx, ev) => {
      if (ctx.s.ready) return;
      ctx.s.ready = true;
      ctx.s.readyStamp = ev.now;
      ctx.announce();
      ctx.notify("U");
    },
  },
};

function onStart(ctx: Ctx, now: number): void {
  const { s } = ctx;
  // A failure (restart-limit) kept across a re-exec stays down until someone starts it.
  s.wantUp = !ctx.config.hasDownFile && s.history.failed === null;
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
function onAdopt(ctx: Ctx, ev: Ev<"adopt">): void {
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
    armWatchdog(ctx);
  }
}

function onSpawned(ctx: Ctx, ev: Ev<"spawned">): void {
  const { s } = ctx;
  const deferred = phaseOf<"starting">(ctx).deferred;
  s.phase = { kind: "up", pid: ev.pid, dying: false };
  s.spawnedAt = ev.now;
  s.stamp = ev.now;
  s.ready = false;
  s.lastSpawnFailure = null;
  s.history = { ...s.history, spawnError: null };
  ctx.announce();
  ctx.notify("u");
  armStable(ctx);
  armWatchdog(ctx);
  for (const l of deferred) control(ctx, l);
}

function onSpawnFailed(ctx: Ctx, ev: Ev<"spawnFailed">): void {
  const { s } = ctx;
  const deferred = phaseOf<"starting">(ctx).deferred;
  // Leaving `starting` announces, as spawned does: the status held back while
  // the spawn was in flight is written now.
  ctx.announce();
  if (s.frozen) {
    s.phase = { kind: "down" };
    for (const l of deferred) control(ctx, l);
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
  for (const l of deferred) control(ctx, l);
}
