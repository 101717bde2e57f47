// The freeze event (a shutdown began): deaths are still recorded and
// announced, but nothing is started again — not a restart, not a retry, not a
// `u` — and d/x still take the service down and out as before.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initialState, step, type SuperviseState } from "../../src/supervise/machine";
import { cfg, drive, events, exited, killedBy, letter, ofType, upState } from "./machine-helpers";

const freeze = suite("machine: freeze (shutdown)");
const FREEZE = { type: "freeze" } as const;

freeze("a death after freeze is recorded and announced, and run is not started again", () => {
  const frozen = step(upState(), FREEZE, cfg()).state;
  assert.is(frozen.frozen, true);
  assert.is(frozen.wantUp, true, "freeze is not a -d: the status still says want up");
  // ran 5 s: without the freeze this restarts at once
  const died = step(frozen, { type: "died", pid: 100, status: killedBy(15), now: 6000 }, cfg());
  assert.equal(died.state.phase, { kind: "down" });
  assert.is(events(died.effects), "dD");
  assert.is(ofType(died.effects, "writeDeathTally").length, 1);
  assert.is(died.state.deaths.length, 1);
  assert.is(ofType(died.effects, "spawnRun").length, 0);
  assert.is(ofType(died.effects, "armTimer").length, 0);
});

freeze("the same death without freeze restarts (the behaviour freeze stops)", () => {
  const died = step(upState(), { type: "died", pid: 100, status: killedBy(15), now: 6000 }, cfg());
  assert.is(ofType(died.effects, "spawnRun").length, 1);
});

freeze("with ./finish: the death runs finish, and its end does not restart run", () => {
  const c = cfg({ hasFinish: true });
  const s = drive(upState(c), [FREEZE, { type: "died", pid: 100, status: exited(1), now: 6000 }, { type: "finishSpawned", pid: 200 }], c);
  assert.equal(s.state.phase, { kind: "finishing", pid: 200 });
  const done = step(s.state, { type: "finishDied", pid: 200, status: exited(0), now: 6100 }, c);
  assert.equal(done.state.phase, { kind: "down" });
  assert.is(events(done.effects), "D");
  assert.is(ofType(done.effects, "spawnRun").length, 0);
});

freeze("a throttled service is frozen down: its restart timer is cancelled", () => {
  const thr = step(upState(), { type: "died", pid: 100, status: exited(1), now: 1200 }, cfg()).state;
  assert.is(thr.phase.kind, "throttled");
  const f = step(thr, FREEZE, cfg());
  assert.equal(f.state.phase, { kind: "down" });
  assert.equal(ofType(f.effects, "cancelTimer"), [{ type: "cancelTimer", kind: "restart" }]);
  // a timer that fired meanwhile starts nothing
  assert.is(ofType(step(thr, FREEZE, cfg()).effects, "spawnRun").length, 0);
  const late = step({ ...thr, frozen: true }, { type: "timer", kind: "restart" }, cfg());
  assert.is(ofType(late.effects, "spawnRun").length, 0);
});

freeze("a spawn that fails after freeze is not retried", () => {
  const starting: SuperviseState = { ...step(initialState(), { type: "start", now: 0 }, cfg()).state };
  assert.is(starting.phase.kind, "starting");
  const f = drive(starting, [FREEZE, { type: "spawnFailed", errno: "EMFILE", now: 10, during: "fork" }], cfg());
  assert.equal(f.state.phase, { kind: "down" });
  assert.is(ofType(f.effects, "armTimer").length, 0);
});

freeze("u, U and o start nothing once frozen; start does not spawn either", () => {
  const down = drive(upState(), [letter("d"), { type: "died", pid: 100, status: killedBy(15), now: 6000 }, FREEZE], cfg()).state;
  assert.is(down.phase.kind, "down");
  for (const l of ["u", "U", "o"] as const) {
    const r = step(down, letter(l), cfg());
    assert.is(ofType(r.effects, "spawnRun").length, 0, l);
    assert.is(r.state.phase.kind, "down", l);
  }
  const fresh = drive(initialState(), [FREEZE, { type: "start", now: 0 }], cfg());
  assert.equal(fresh.state.phase, { kind: "down" });
  assert.is(ofType(fresh.effects, "spawnRun").length, 0);
});

freeze("d and x still stop and end a frozen service", () => {
  const frozen = step(upState(), FREEZE, cfg()).state;
  const d = step(frozen, letter("d"), cfg());
  assert.equal(
    ofType(d.effects, "kill").map((k) => k.signal),
    [15, 18],
  );
  const x = drive(d.state, [letter("x"), { type: "died", pid: 100, status: killedBy(15), now: 6000 }], cfg());
  assert.equal(x.state.phase, { kind: "exited" });
  assert.is(ofType(x.effects, "exited").length, 1);
});

freeze.run();
