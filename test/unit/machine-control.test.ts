// Control letters in each phase: d/D with timeout-kill, custom down-signal,
// once, O, pause, r, x, removal, and an exhaustive (phase × letter) sweep.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initialState, step, type SuperviseState } from "../../src/supervise/machine";
import { SUPERVISE_LETTERS, type SuperviseLetter } from "../../src/s6/letters";
import { cfg, drive, events, exited, letter, ofType, upState } from "./machine-helpers";

const ctl = suite("machine: control letters");

ctl("d when up: TERM then CONT, timeout-kill armed, then SIGKILL to the group", () => {
  const c = cfg({ timeoutKillMs: 3000 });
  const d = step(upState(c), letter("d"), c);
  assert.equal(ofType(d.effects, "kill"), [
    { type: "kill", pid: 100, signal: 15 },
    { type: "kill", pid: 100, signal: 18 },
  ]);
  assert.equal(ofType(d.effects, "armTimer"), [{ type: "armTimer", kind: "kill", ms: 3000 }]);
  assert.is(d.state.wantUp, false);
  const t = step(d.state, { type: "timer", kind: "kill" }, c);
  assert.equal(ofType(t.effects, "killGroup"), [{ type: "killGroup", pgid: 100, signal: 9 }]);
  assert.equal(ofType(t.effects, "armTimer"), [{ type: "armTimer", kind: "kill", ms: 5000 }]);
  const dead = step(t.state, { type: "died", pid: 100, status: 9, now: 9000 }, c);
  assert.ok(ofType(dead.effects, "cancelTimer").some((x) => x.kind === "kill"));
  assert.is(dead.state.phase.kind, "down");
  assert.is(ofType(dead.effects, "spawnRun").length, 0);
});

ctl("d without timeout-kill arms nothing; a stale kill timer is ignored", () => {
  const d = step(upState(), letter("d"), cfg());
  assert.equal(ofType(d.effects, "armTimer"), []);
  assert.equal(step(d.state, { type: "timer", kind: "kill" }, cfg()).effects, []);
});

ctl("down-signal is used by d and r", () => {
  const c = cfg({ downSignal: 1 });
  assert.equal(ofType(step(upState(c), letter("d"), c).effects, "kill")[0], { type: "kill", pid: 100, signal: 1 });
  const r = step(upState(c), letter("r"), c);
  assert.equal(ofType(r.effects, "kill"), [{ type: "kill", pid: 100, signal: 1 }]);
  assert.is(r.state.wantUp, true);
});

ctl("r: the death that follows restarts the service", () => {
  const s = drive(upState(), [letter("r"), { type: "died", pid: 100, status: 15, now: 5000 }]);
  assert.is(ofType(s.effects, "spawnRun").length, 1);
});

ctl("D touches ./down, U unlinks it and starts", () => {
  const d = step(upState(), letter("D"), cfg());
  assert.is(d.effects[0]!.type, "touchDown");
  assert.is(ofType(d.effects, "kill").length, 2);
  const down = step(d.state, { type: "died", pid: 100, status: 15, now: 5000 }, cfg()).state;
  const u = step(down, letter("U"), cfg());
  assert.is(u.effects[0]!.type, "unlinkDown");
  assert.is(ofType(u.effects, "spawnRun").length, 1);
  assert.is(u.state.wantUp, true);
});

ctl("o when down starts once; its death does not restart", () => {
  const down = step(initialState(), { type: "start", now: 0 }, cfg({ hasDownFile: true })).state;
  const o = step(down, letter("o"), cfg());
  assert.is(o.state.wantUp, false);
  assert.is(ofType(o.effects, "spawnRun").length, 1);
  const s = drive(o.state, [
    { type: "spawned", pid: 7, now: 10 },
    { type: "died", pid: 7, status: 0, now: 5000 },
  ]);
  assert.is(s.state.phase.kind, "down");
  assert.is(ofType(s.effects, "spawnRun").length, 0);
});

ctl("O: no kill when up, no start when down", () => {
  const up = step(upState(), letter("O"), cfg());
  assert.equal(ofType(up.effects, "kill"), []);
  assert.is(up.state.wantUp, false);
  assert.is(up.state.phase.kind, "up");
  const down = step(initialState(), { type: "start", now: 0 }, cfg({ hasDownFile: true })).state;
  assert.equal(ofType(step(down, letter("O"), cfg()).effects, "spawnRun"), []);
});

ctl("p / c: SIGSTOP / SIGCONT and the paused flag; a death clears it", () => {
  const p = step(upState(), letter("p"), cfg());
  assert.equal(ofType(p.effects, "kill"), [{ type: "kill", pid: 100, signal: 19 }]);
  assert.is(p.state.paused, true);
  const c = step(p.state, letter("c"), cfg());
  assert.equal(ofType(c.effects, "kill"), [{ type: "kill", pid: 100, signal: 18 }]);
  assert.is(c.state.paused, false);
  assert.is(step(p.state, { type: "died", pid: 100, status: 9, now: 5000 }, cfg()).state.paused, false);
});

ctl("u during the throttle starts at once and cancels the restart timer", () => {
  const thr = step(upState(), { type: "died", pid: 100, status: 0, now: 1100 }, cfg()).state;
  assert.is(thr.phase.kind, "throttled");
  const u = step(thr, letter("u"), cfg());
  assert.equal(
    u.effects.filter((e) => e.type === "cancelTimer" || e.type === "spawnRun").map((e) => e.type),
    ["cancelTimer", "spawnRun"],
  );
});

ctl("x when up: detach stdio, exit after the death (and after finish)", () => {
  const c = cfg({ hasFinish: true });
  const x = step(upState(c), letter("x"), c);
  assert.is(x.state.exitRequested, true);
  assert.equal(x.effects, [{ type: "detachStdio" }]);
  const dead = step(x.state, { type: "died", pid: 100, status: 0, now: 5000 }, c);
  assert.is(ofType(dead.effects, "exited").length, 0);
  const fin = drive(
    dead.state,
    [
      { type: "finishSpawned", pid: 3 },
      { type: "finishDied", pid: 3, status: 0, now: 5100 },
    ],
    c,
  );
  assert.is(events(fin.effects), "Dx");
  assert.is(fin.effects.at(-1)!.type, "exited");
  assert.equal(ofType(fin.effects, "spawnRun"), []);
  assert.equal(step(fin.state, letter("u"), c).effects, []);
});

ctl("x when down: exit now; when throttled the restart timer is cancelled", () => {
  const down = step(initialState(), { type: "start", now: 0 }, cfg({ hasDownFile: true })).state;
  const x = step(down, letter("x"), cfg());
  assert.is(x.state.phase.kind, "exited");
  assert.equal(x.effects, [{ type: "event", letters: "x" }, { type: "exited" }]);
  const thr = step(upState(), { type: "died", pid: 100, status: 0, now: 1100 }, cfg()).state;
  assert.equal(ofType(step(thr, letter("x"), cfg()).effects, "cancelTimer"), [{ type: "cancelTimer", kind: "restart" }]);
});

ctl("removed behaves like -dx: kill, then exit at the death", () => {
  const r = step(upState(), { type: "removed" }, cfg());
  assert.is(r.state.wantUp, false);
  assert.is(r.state.exitRequested, true);
  assert.is(ofType(r.effects, "kill")[0]!.signal, 15);
  const dead = step(r.state, { type: "died", pid: 100, status: 15, now: 5000 }, cfg());
  assert.is(events(dead.effects), "dDx");
  assert.is(dead.state.phase.kind, "exited");
});

ctl("letters received while starting are replayed once spawned", () => {
  const starting = step(initialState(), { type: "start", now: 0 }, cfg()).state;
  const held = drive(starting, [letter("h"), letter("d")]);
  assert.equal(held.effects, []);
  const s = step(held.state, { type: "spawned", pid: 55, now: 10 }, cfg());
  assert.equal(
    ofType(s.effects, "kill").map((k) => k.signal),
    [1, 15, 18],
  );
  assert.is(s.state.wantUp, false);
});

ctl("signal letters reach the pid only when up", () => {
  const expected: Record<string, number> = { a: 14, b: 6, q: 3, h: 1, k: 9, t: 15, i: 2, "1": 10, "2": 12, y: 28 };
  for (const [l, sig] of Object.entries(expected)) {
    assert.equal(ofType(step(upState(), letter(l as SuperviseLetter), cfg()).effects, "kill"), [{ type: "kill", pid: 100, signal: sig }], l);
  }
  const down = step(initialState(), { type: "start", now: 0 }, cfg({ hasDownFile: true })).state;
  for (const l of Object.keys(expected)) assert.equal(step(down, letter(l as SuperviseLetter), cfg()).effects, [], l);
});

/** One state per phase (and the exit-requested variants). */
function everyState(): Record<string, SuperviseState> {
  const f = cfg({ hasFinish: true, timeoutKillMs: 100 });
  const up = upState(f);
  const finishing = step(up, { type: "died", pid: 100, status: exited(1), now: 1100 }, f).state;
  return {
    init: initialState(),
    down: step(initialState(), { type: "start", now: 0 }, cfg({ hasDownFile: true })).state,
    starting: step(initialState(), { type: "start", now: 0 }, cfg()).state,
    throttled: step(upState(), { type: "died", pid: 100, status: 0, now: 1100 }, cfg()).state,
    up,
    dying: step(up, letter("d"), f).state,
    lastUp: step(up, letter("x"), f).state,
    finishingPending: finishing,
    finishing: step(finishing, { type: "finishSpawned", pid: 9 }, f).state,
    exited: drive(initialState(), [{ type: "start", now: 0 }, { type: "removed" }], cfg({ hasDownFile: true })).state,
  };
}

ctl("every (phase, letter) pair is handled without throwing", () => {
  const states = everyState();
  assert.is(new Set(Object.values(states).map((s) => s.phase.kind)).size, 7);
  let pairs = 0;
  for (const [name, st] of Object.entries(states)) {
    for (const l of SUPERVISE_LETTERS) {
      for (const c of [cfg(), cfg({ hasFinish: true, timeoutKillMs: 100 })]) {
        const r = step(st, letter(l as SuperviseLetter), c);
        // Only a live run is ever signalled by a letter, and only its pid.
        const kills = ofType(r.effects, "kill");
        if (st.phase.kind !== "up") assert.equal(kills, [], `${name} × ${l}`);
        else for (const k of kills) assert.is(k.pid, 100, `${name} × ${l}`);
        // The machine never spawns run while it is already running or finishing.
        if (st.phase.kind === "up" || st.phase.kind === "finishing") assert.equal(ofType(r.effects, "spawnRun"), [], `${name} × ${l}`);
        pairs++;
      }
    }
  }
  assert.is(pairs, 10 * 21 * 2);
});

ctl("letters act as s6's table says on the finishing phase", () => {
  const fin = everyState().finishing;
  for (const l of "abqhkti12pcyr") assert.equal(step(fin, letter(l as SuperviseLetter), cfg()).effects, [], l);
  assert.is(step(fin, letter("d"), cfg()).state.wantUp, false);
  assert.is(step(fin, letter("u"), cfg()).state.phase.kind, "finishing");
});

ctl.run();
