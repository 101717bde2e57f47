// What tsinit adds to s6's machine for `tsinit status NAME`: restarts since
// boot, the last exit and the spawn error, crash-loop lines (one in, one
// out), the opt-in backoff (restart-delay-max), and restore after a re-exec.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initialState, step, type Step, type SuperviseConfig, type SuperviseState } from "../../src/supervise/machine";
import { CRASH_LOOP_DEATHS, freshHistory } from "../../src/supervise/machine-history";
import { cfg, drive, exited, letter, ofType, upState } from "./machine-helpers";

const t = suite("machine: history, crash loops, backoff");

/** Lets run die `ranMs` after its spawn, then fires the restart timer if one was armed and spawns again. */
function dieAndRestart(s: SuperviseState, pid: number, ranMs: number, config: SuperviseConfig): { state: SuperviseState; steps: Step[]; spawnedAt: number } {
  const phase = s.phase;
  if (phase.kind !== "up") throw new Error(`not up: ${phase.kind}`);
  const died = step(s, { type: "died", pid: phase.pid, status: exited(1), now: s.spawnedAt! + ranMs }, config);
  const steps = [died];
  let cur = died;
  let at = s.spawnedAt! + ranMs;
  const timer = ofType(died.effects, "armTimer").find((e) => e.kind === "restart");
  if (timer) {
    at += timer.ms;
    cur = step(cur.state, { type: "timer", kind: "restart" }, config);
    steps.push(cur);
  }
  cur = step(cur.state, { type: "spawned", pid, now: at }, config);
  steps.push(cur);
  return { state: cur.state, steps, spawnedAt: at };
}

const logs = (steps: Step[]) => steps.flatMap((s) => ofType(s.effects, "log").map((e) => e.message));

t("a fresh service: no restarts, no last exit, no spawn error", () => {
  const s = upState();
  assert.equal(s.history, freshHistory());
  assert.is(s.history.lastDeath, null, "never died: no exit code to show");
});

t("restarts count the supervisor's own starts; the last death is kept with its status", () => {
  let s = upState();
  for (let i = 0; i < 3; i++) s = dieAndRestart(s, 200 + i, 5000, cfg()).state;
  assert.is(s.history.restarts, 3);
  assert.equal(s.history.lastDeath?.status, exited(1));
  // -u on a service that is down is the user's start, not a restart.
  const down = drive(s, [letter("d"), { type: "died", pid: 202, status: 15, now: 99_000 }]).state;
  const up = drive(down, [letter("u"), { type: "spawned", pid: 300, now: 99_100 }]).state;
  assert.is(up.history.restarts, 3);
});

t("a spawn error is kept until a spawn succeeds, and counts the retry as a restart", () => {
  const start = step(initialState(), { type: "start", now: 0 }, cfg());
  const failed = step(
    start.state,
    { type: "spawnFailed", errno: "EACCES", now: 5, during: "exec", why: "unable to execute /s/run: Permission denied (EACCES)", path: "/s/run" },
    cfg(),
  );
  assert.equal(failed.state.history.spawnError, {
    code: "EACCES",
    why: "unable to execute /s/run: Permission denied (EACCES)",
    path: "/s/run",
    at: 5,
    retryMs: 10_000,
  });
  assert.is(failed.state.history.lastDeath, null);
  const retry = step(failed.state, { type: "timer", kind: "restart" }, cfg());
  assert.is(retry.state.history.restarts, 1);
  const up = step(retry.state, { type: "spawned", pid: 9, now: 10_005 }, cfg());
  assert.is(up.state.history.spawnError, null);
});

t("crash loop: one line at the 5th quick death, none for the next ones, one when run stays up", () => {
  const config = cfg();
  let s = upState(config);
  const all: Step[] = [];
  for (let i = 0; i < CRASH_LOOP_DEATHS + 3; i++) {
    const r = dieAndRestart(s, 200 + i, 100, config);
    all.push(...r.steps);
    s = r.state;
    assert.is(s.history.crashLoop, i + 1 >= CRASH_LOOP_DEATHS, `after death ${i + 1}`);
  }
  assert.equal(logs(all), ["warning: svc is crash-looping: run died 5 times in a row, each within 1 s of its start"]);
  // In the loop, each spawn arms the timer that tells run stayed up.
  const last = all.at(-1)!;
  assert.equal(ofType(last.effects, "armTimer"), [{ type: "armTimer", kind: "stable", ms: 1000 }]);
  const stable = step(s, { type: "timer", kind: "stable" }, config);
  assert.equal(logs([stable]), ["svc is no longer crash-looping: run has stayed up for 1 s"]);
  assert.is(stable.state.history.crashLoop, false);
  assert.is(stable.state.history.quickDeaths, 0);
  // A death that comes after a second breaks the streak without a line.
  let t2 = upState(config);
  for (let i = 0; i < 4; i++) t2 = dieAndRestart(t2, 400 + i, 100, config).state;
  assert.is(t2.history.quickDeaths, 4);
  t2 = dieAndRestart(t2, 500, 1500, config).state;
  assert.is(t2.history.quickDeaths, 0);
  assert.is(t2.history.crashLoop, false);
});

t("without restart-delay-max the restart timing is s6's: 1 s between starts, no stable timer", () => {
  let s = upState();
  for (let i = 0; i < 3; i++) {
    const r = dieAndRestart(s, 200 + i, 100, cfg());
    assert.equal(ofType(r.steps[0]!.effects, "armTimer"), [{ type: "armTimer", kind: "restart", ms: 900 }]);
    assert.is(ofType(r.steps.at(-1)!.effects, "armTimer").length, 0, "a healthy path arms nothing more");
    s = r.state;
  }
  assert.is(s.history.delayMs, 1000);
});

t("backoff: the delay between starts doubles up to restart-delay-max, and resets once run stayed up that long", () => {
  const config = cfg({ restartDelayMaxMs: 5000 });
  let s = upState(config);
  const gaps: number[] = [];
  let spawnedAt = s.spawnedAt!;
  for (let i = 0; i < 5; i++) {
    const r = dieAndRestart(s, 200 + i, 100, config);
    gaps.push(r.spawnedAt - spawnedAt);
    spawnedAt = r.spawnedAt;
    s = r.state;
  }
  assert.equal(gaps, [1000, 2000, 4000, 5000, 5000]);
  const armed = ofType(step(s, { type: "died", pid: 204, status: 0, now: spawnedAt + 50 }, config).effects, "cancelTimer");
  assert.equal(armed, [{ type: "cancelTimer", kind: "stable" }], "a death cancels the stable timer");
  const stable = step(s, { type: "timer", kind: "stable" }, config);
  assert.is(stable.state.history.delayMs, 1000);
  const r = dieAndRestart(stable.state, 300, 100, config);
  assert.is(r.spawnedAt - spawnedAt - 100, 900, "back to s6's 1 s between starts");
});

t("told to stay down, a crash loop ends with its line and the backoff resets", () => {
  const config = cfg({ restartDelayMaxMs: 8000 });
  let s = upState(config);
  for (let i = 0; i < CRASH_LOOP_DEATHS; i++) s = dieAndRestart(s, 200 + i, 100, config).state;
  assert.ok(s.history.crashLoop);
  const d = step(s, letter("d"), config);
  assert.equal(logs([d]), ["svc is no longer crash-looping: told to stay down"]);
  assert.equal([d.state.history.crashLoop, d.state.history.delayMs], [false, 1000]);
  assert.equal(ofType(d.effects, "cancelTimer"), [{ type: "cancelTimer", kind: "stable" }], "no stale settle later");
  const dead = step(d.state, { type: "died", pid: 204, status: 15, now: s.spawnedAt! + 10 }, config);
  assert.is(dead.state.history.quickDeaths, 0, "a death asked for is no crash");
});

t("restore (re-exec): the history carries on, and only before start", () => {
  const h = { ...freshHistory(), restarts: 7, crashLoop: true, quickDeaths: 6, delayMs: 4000 };
  const restored = step(initialState(), { type: "restore", history: h }, cfg());
  assert.equal(restored.effects, []);
  assert.equal(restored.state.history, h);
  const adopted = step(
    restored.state,
    { type: "adopt", pid: 5, finishing: false, wantUp: true, paused: false, ready: false, stamp: 100, readyStamp: 100, waitStatus: 0 },
    cfg(),
  );
  assert.is(adopted.state.history.restarts, 7);
  assert.equal(ofType(adopted.effects, "armTimer"), [{ type: "armTimer", kind: "stable", ms: 1000 }], "still looping: leaving it is timed again");
  const late = step(upState(), { type: "restore", history: h }, cfg());
  assert.is(late.state.history.restarts, 0, "ignored once running");
});

t.run();
