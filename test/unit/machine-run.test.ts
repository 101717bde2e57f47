// Life cycle of run and finish: start, throttle, finish args and timeouts,
// readiness, spawn failures, death records.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initialState, step } from "../../src/supervise/machine";
import { cfg, drive, events, exited, killedBy, ofType, upState } from "./machine-helpers";

const life = suite("machine: run life cycle");

life("start without ./down: announces s, spawns run; spawned → up, event u", () => {
  const s1 = step(initialState(), { type: "start", now: 500 }, cfg());
  assert.is(s1.state.phase.kind, "starting");
  assert.equal(
    s1.effects.map((e) => e.type),
    ["writeDeathTally", "writeStatus", "event", "spawnRun"],
  );
  assert.is(events(s1.effects), "s");
  const s2 = step(s1.state, { type: "spawned", pid: 42, now: 510 }, cfg());
  assert.equal(s2.state.phase, { kind: "up", pid: 42, dying: false });
  assert.is(s2.state.stamp, 510);
  assert.is(events(s2.effects), "u");
});

life("start with ./down: stays down, wantUp false, nothing spawned", () => {
  const s = step(initialState(), { type: "start", now: 0 }, cfg({ hasDownFile: true }));
  assert.is(s.state.phase.kind, "down");
  assert.is(s.state.wantUp, false);
  assert.is(ofType(s.effects, "spawnRun").length, 0);
});

life("crash loop: died 200 ms after spawn → restart timer for the 800 ms left", () => {
  const s = step(upState(), { type: "died", pid: 100, status: exited(1), now: 1200 }, cfg());
  assert.is(s.state.phase.kind, "throttled");
  assert.equal(ofType(s.effects, "armTimer"), [{ type: "armTimer", kind: "restart", ms: 800 }]);
  assert.is(ofType(s.effects, "spawnRun").length, 0);
  assert.is(events(s.effects), "dD");
  const fire = step(s.state, { type: "timer", kind: "restart" }, cfg());
  assert.is(fire.state.phase.kind, "starting");
  assert.is(ofType(fire.effects, "spawnRun").length, 1);
});

life("leftovers are killed once run and finish are both gone: before a restart, and at down", () => {
  const types = (effects: { type: string }[]) => effects.map((e) => e.type);
  // no finish: at the death, before the restart is spawned
  const restart = step(upState(), { type: "died", pid: 100, status: exited(0), now: 2500 }, cfg());
  const t = types(restart.effects);
  assert.ok(t.indexOf("killLeftovers") >= 0 && t.indexOf("killLeftovers") < t.indexOf("spawnRun"), t.join());
  // with finish: not while finish runs (it shares the cgroup), at its death
  const c = cfg({ hasFinish: true });
  const died = step(upState(c), { type: "died", pid: 100, status: exited(0), now: 2500 }, c);
  assert.is(ofType(died.effects, "killLeftovers").length, 0);
  const fin = drive(
    died.state,
    [
      { type: "finishSpawned", pid: 101 },
      { type: "finishDied", pid: 101, status: exited(0), now: 2600 },
    ],
    c,
  );
  assert.is(ofType(fin.effects, "killLeftovers").length, 1);
  // svc -d: at the death of run, and nothing is restarted
  const down = drive(upState(), [
    { type: "control", letter: "d" },
    { type: "died", pid: 100, status: killedBy(15), now: 3000 },
  ]);
  assert.is(ofType(down.effects, "killLeftovers").length, 1);
  assert.is(ofType(down.effects, "spawnRun").length, 0);
});

life("died 1500 ms after spawn → spawnRun at once, no timer", () => {
  const s = step(upState(), { type: "died", pid: 100, status: exited(0), now: 2500 }, cfg());
  assert.is(s.state.phase.kind, "starting");
  assert.is(ofType(s.effects, "spawnRun").length, 1);
  assert.is(ofType(s.effects, "armTimer").length, 0);
  // status is announced before the event, the event before the respawn
  const order = s.effects.map((e) => e.type);
  assert.ok(order.indexOf("writeStatus") < order.indexOf("event"));
  assert.ok(order.indexOf("event") < order.indexOf("spawnRun"));
});

life("a death for another pid is ignored", () => {
  const up = upState();
  const s = step(up, { type: "died", pid: 999, status: 0, now: 5000 }, cfg());
  assert.is(s.state, s.state);
  assert.equal(s.state.phase, up.phase);
  assert.equal(s.effects, []);
});

life("finish gets `3 0 name` after exit 3 and `256 15 name` after SIGTERM", () => {
  const c = cfg({ hasFinish: true });
  const a = step(upState(c), { type: "died", pid: 100, status: exited(3), now: 3000 }, c);
  assert.equal(ofType(a.effects, "spawnFinish"), [{ type: "spawnFinish", args: ["3", "0", "svc"] }]);
  assert.equal(a.state.phase, { kind: "finishing", pid: null });
  assert.is(events(a.effects), "d");
  const b = step(upState(c), { type: "died", pid: 100, status: killedBy(15), now: 3000 }, c);
  assert.equal(ofType(b.effects, "spawnFinish")[0]!.args, ["256", "15", "svc"]);
});

life("finish: timer armed at spawn, SIGCONT+SIGKILL on timeout, D and restart after", () => {
  const c = cfg({ hasFinish: true, timeoutFinishMs: 2000 });
  const dead = step(upState(c), { type: "died", pid: 100, status: exited(1), now: 1100 }, c);
  const fin = step(dead.state, { type: "finishSpawned", pid: 200 }, c);
  assert.equal(fin.state.phase, { kind: "finishing", pid: 200 });
  assert.equal(ofType(fin.effects, "armTimer"), [{ type: "armTimer", kind: "finish", ms: 2000 }]);
  const to = step(fin.state, { type: "timer", kind: "finish" }, c);
  assert.equal(ofType(to.effects, "kill"), [
    { type: "kill", pid: 200, signal: 18 },
    { type: "kill", pid: 200, signal: 9 },
  ]);
  assert.is(ofType(to.effects, "log").length, 1);
  const done = step(to.state, { type: "finishDied", pid: 200, status: killedBy(9), now: 3200 }, c);
  assert.is(events(done.effects), "D");
  assert.ok(ofType(done.effects, "cancelTimer").some((t) => t.kind === "finish"));
  // 2200 ms after the spawn: restart at once
  assert.is(ofType(done.effects, "spawnRun").length, 1);
  // finish's status does not replace run's
  assert.is(done.state.waitStatus, exited(1));
});

life("timeout-finish 0: no finish timer", () => {
  const c = cfg({ hasFinish: true, timeoutFinishMs: 0 });
  const dead = step(upState(c), { type: "died", pid: 100, status: 0, now: 1100 }, c);
  const fin = step(dead.state, { type: "finishSpawned", pid: 200 }, c);
  assert.is(ofType(fin.effects, "armTimer").length, 0);
});

life("finish exiting 125 → wantUp cleared, event OD, no restart", () => {
  const c = cfg({ hasFinish: true });
  const s = drive(
    upState(c),
    [
      { type: "died", pid: 100, status: exited(1), now: 5000 },
      { type: "finishSpawned", pid: 200 },
      { type: "finishDied", pid: 200, status: exited(125), now: 5100 },
    ],
    c,
  );
  assert.is(events(s.effects), "OD");
  assert.is(s.state.wantUp, false);
  assert.is(s.state.phase.kind, "down");
  assert.is(ofType(s.effects, "spawnRun").length, 0);
});

life("finish spawn failure → D (d was already sent) and the usual restart", () => {
  const c = cfg({ hasFinish: true });
  const s = drive(
    upState(c),
    [
      { type: "died", pid: 100, status: exited(1), now: 1300 },
      { type: "finishSpawnFailed", errno: "EAGAIN", now: 1300 },
    ],
    c,
  );
  assert.is(events(s.effects), "D");
  assert.equal(ofType(s.effects, "armTimer"), [{ type: "armTimer", kind: "restart", ms: 700 }]);
  assert.match(ofType(s.effects, "log")[0]!.message, /unable to spawn svc\/finish: EAGAIN/);
});

life("ready sets the ready flag and stamp once, event U", () => {
  const s = step(upState(), { type: "ready", now: 1700 }, cfg());
  assert.is(s.state.ready, true);
  assert.is(s.state.readyStamp, 1700);
  assert.is(events(s.effects), "U");
  const again = step(s.state, { type: "ready", now: 1900 }, cfg());
  assert.is(again.state.readyStamp, 1700);
  assert.equal(again.effects, []);
});

life("spawnFailed → warning, retry after 10 s (60 s for fork)", () => {
  const starting = step(initialState(), { type: "start", now: 0 }, cfg()).state;
  const s = step(starting, { type: "spawnFailed", errno: "ENOENT", now: 0 }, cfg());
  assert.is(s.state.phase.kind, "throttled");
  assert.equal(ofType(s.effects, "armTimer"), [{ type: "armTimer", kind: "restart", ms: 10_000 }]);
  assert.match(ofType(s.effects, "log")[0]!.message, /^unable to spawn svc\/run: ENOENT \(retrying in 10 seconds\)/);
  const f = step(starting, { type: "spawnFailed", errno: "EAGAIN", now: 0, during: "fork" }, cfg());
  assert.is(ofType(f.effects, "armTimer")[0]!.ms, 60_000);
});

life("a spawn failure is said once until it changes or run starts", () => {
  const starting = step(initialState(), { type: "start", now: 0 }, cfg()).state;
  const why = "unable to find /s/svc/run: ENOENT";
  const first = step(starting, { type: "spawnFailed", errno: "ENOENT", now: 0, why }, cfg());
  assert.match(ofType(first.effects, "log")[0]!.message, /^unable to find \/s\/svc\/run: ENOENT/);
  const retry = drive(first.state, [{ type: "timer", kind: "restart" }], cfg()).state;
  const again = step(retry, { type: "spawnFailed", errno: "ENOENT", now: 10_000, why }, cfg());
  assert.is(ofType(again.effects, "log").length, 0, "same failure: silent");
  const other = step(retry, { type: "spawnFailed", errno: "EACCES", now: 10_000, why: "unable to execute /s/svc/run: EACCES" }, cfg());
  assert.is(ofType(other.effects, "log").length, 1, "a new failure is said");
  const up = drive(
    retry,
    [
      { type: "spawned", pid: 5, now: 10_000 },
      { type: "died", pid: 5, status: 0, now: 12_000 },
    ],
    cfg(),
  ).state;
  assert.is(up.lastSpawnFailure, null);
});

life("death records: 128+sig for signals, trimmed to max-death-tally", () => {
  const c = cfg({ maxDeathTally: 2 });
  let st = upState(c, 0);
  const statuses = [exited(4), killedBy(9), exited(7)];
  let t = 0;
  for (const status of statuses) {
    t += 2000;
    st = drive(
      st,
      [
        { type: "died", pid: 100, status, now: t },
        { type: "spawned", pid: 100, now: t },
      ],
      c,
    ).state;
  }
  assert.equal(st.deaths, [
    { at: 4000, exitCode: 137, signal: 9 },
    { at: 6000, exitCode: 7, signal: 0 },
  ]);
  const none = step(upState(cfg({ maxDeathTally: 0 })), { type: "died", pid: 100, status: 0, now: 9000 }, cfg({ maxDeathTally: 0 }));
  assert.equal(none.state.deaths, []);
  assert.is(ofType(none.effects, "writeDeathTally").length, 0);
});

life("step does not mutate its input state", () => {
  const up = upState();
  const frozen = JSON.stringify(up);
  step(up, { type: "died", pid: 100, status: 0, now: 9000 }, cfg());
  step(up, { type: "control", letter: "d" }, cfg({ timeoutKillMs: 100 }));
  assert.is(JSON.stringify(up), frozen);
});

life.run();
