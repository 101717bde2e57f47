// Between a spawn's request and its report (`starting`: run is spawned on the
// addon's spawner thread and its pid comes later, from the event loop): what
// stop and signal commands and a shutdown do, and when supervise/status is
// written (when the pid or the failure is known, never while starting).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initialState, step, type SuperviseEvent, type SuperviseState } from "../../src/supervise/machine";
import { cfg, drive, events, exited, letter, ofType } from "./machine-helpers";

const test = suite("machine: commands while run's spawn is in flight");
const spawned = (pid = 55, now = 10): SuperviseEvent => ({ type: "spawned", pid, now });
const failed = (during: "exec" | "fork" = "exec"): SuperviseEvent => ({ type: "spawnFailed", errno: "ENOENT", now: 10, during });
const starting = (config = cfg()): SuperviseState => step(initialState(), { type: "start", now: 0 }, config).state;

test("a start asks for the spawn and waits in starting", () => {
  const r = step(initialState(), { type: "start", now: 0 }, cfg());
  assert.is(r.state.phase.kind, "starting");
  assert.is(ofType(r.effects, "spawnRun").length, 1);
});

test("svc -d before the report: nothing at once; at spawned, run is told to stop and the status says so", () => {
  const held = step(starting(), letter("d"), cfg());
  assert.equal(held.effects, [], "kept: no kill without a pid, no status without a pid");
  assert.is(held.state.wantUp, true);
  const r = step(held.state, spawned(), cfg());
  assert.equal(ofType(r.effects, "kill"), [
    { type: "kill", pid: 55, signal: 15 },
    { type: "kill", pid: 55, signal: 18 },
  ]);
  assert.is(r.state.wantUp, false);
  assert.is(r.state.phase.kind, "up");
  assert.ok(ofType(r.effects, "writeStatus").length >= 1, "status written, with the pid, at the report");
  const dead = step(r.state, { type: "died", pid: 55, status: 15, now: 20 }, cfg());
  assert.is(dead.state.phase.kind, "down");
  assert.is(ofType(dead.effects, "spawnRun").length, 0, "wanted down: not restarted");
});

test("svc -d before a failed spawn: down and wanted down, no retry", () => {
  const held = step(starting(), letter("d"), cfg());
  const r = step(held.state, failed(), cfg());
  assert.equal(r.state.phase, { kind: "down" });
  assert.is(r.state.wantUp, false);
  assert.equal(
    ofType(r.effects, "cancelTimer").map((e) => e.kind),
    ["restart"],
    "the retry armed by the failure is cancelled",
  );
  assert.ok(ofType(r.effects, "writeStatus").length >= 1);
});

test("svc -k before the report: SIGKILL reaches the pid once it is known; the death restarts it", () => {
  const held = step(starting(), letter("k"), cfg());
  assert.equal(held.effects, []);
  const r = step(held.state, spawned(55, 10), cfg());
  assert.equal(ofType(r.effects, "kill"), [{ type: "kill", pid: 55, signal: 9 }]);
  assert.is(r.state.wantUp, true);
  const dead = step(r.state, { type: "died", pid: 55, status: 9, now: 2000 }, cfg());
  assert.is(dead.state.phase.kind, "starting", "ran >= 1 s: restarted at once");
});

test("letters are replayed in the order received: -d then -u leaves it up", () => {
  const held = drive(starting(), [letter("d"), letter("u")]);
  const r = step(held.state, spawned(), cfg());
  assert.is(r.state.wantUp, true);
  assert.equal(
    ofType(r.effects, "kill").map((k) => k.signal),
    [15, 18],
    "-d still stopped the run it found",
  );
});

test("a shutdown's removal before the report: run is stopped when its pid comes, and the supervisor exits at its death", () => {
  const removed = step(starting(), { type: "removed" }, cfg());
  assert.equal(removed.effects, []);
  const r = step(removed.state, spawned(), cfg());
  assert.is(r.state.exitRequested, true);
  assert.equal(
    ofType(r.effects, "kill").map((k) => k.signal),
    [15, 18],
  );
  const dead = step(r.state, { type: "died", pid: 55, status: 15, now: 20 }, cfg());
  assert.is(dead.state.phase.kind, "exited");
  assert.is(events(dead.effects), "dDx");
});

test("a shutdown's removal before a failed spawn: the supervisor exits at the report", () => {
  const removed = step(starting(), { type: "removed" }, cfg());
  const r = step(removed.state, failed("fork"), cfg());
  assert.is(r.state.phase.kind, "exited");
  assert.is(ofType(r.effects, "exited").length, 1);
});

test("freeze (a shutdown began) before the report: run is up when it comes, and its death is not restarted", () => {
  const frozen = step(starting(), { type: "freeze" }, cfg());
  assert.is(frozen.state.frozen, true);
  assert.is(frozen.state.phase.kind, "starting");
  const up = step(frozen.state, spawned(), cfg());
  assert.is(up.state.phase.kind, "up");
  const dead = step(up.state, { type: "died", pid: 55, status: exited(0), now: 5000 }, cfg());
  assert.equal(dead.state.phase, { kind: "down" });
  assert.is(ofType(dead.effects, "spawnRun").length, 0);
});

test("a death or a timer while starting is ignored (the router hands a death over only after the report)", () => {
  const s = starting();
  assert.equal(step(s, { type: "died", pid: 55, status: 0, now: 5 }, cfg()).effects, []);
  assert.equal(step(s, { type: "timer", kind: "restart", now: 5 }, cfg()).effects, []);
});

test("both reports announce: the status held back while starting is written when the pid or the failure is known", () => {
  assert.is(ofType(step(starting(), spawned(), cfg()).effects, "writeStatus").length, 1);
  assert.is(ofType(step(starting(), failed(), cfg()).effects, "writeStatus").length, 1);
  const frozen = step(starting(), { type: "freeze" }, cfg()).state;
  assert.is(ofType(step(frozen, failed(), cfg()).effects, "writeStatus").length, 1);
});

test.run();
