// The wait logic of svc -w and wait (s6_svlisten_loop): goals as phases,
// when a phase holds, event letters, failures, and restarts.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { applyEvent, bitsFromStatus, phasesFor, satisfied, WaitTracker, type SvBits } from "../../src/s6/condition";
import type { SuperviseStatus } from "../../src/s6/status-file";

const st = (over: Partial<SuperviseStatus>): SuperviseStatus => ({
  stamp: { unixSec: 0, nsec: 0 },
  readyStamp: { unixSec: 0, nsec: 0 },
  pid: 0,
  waitStatus: 0,
  paused: false,
  finishing: false,
  wantUp: true,
  ready: false,
  ...over,
});
const up = (ready = false): SvBits => ({ up: true, ready });
const down = (ready = false): SvBits => ({ up: false, ready });

const bits = suite("condition: status and phases");

bits("up is a pid that is not ./finish", () => {
  assert.equal(bitsFromStatus(st({ pid: 5 })), up());
  assert.equal(bitsFromStatus(st({ pid: 5, ready: true })), up(true));
  assert.equal(bitsFromStatus(st({ pid: 6, finishing: true })), down());
  assert.equal(bitsFromStatus(st({ pid: 0, ready: true })), down(true));
});

bits("simple goals are one phase", () => {
  assert.equal(phasesFor("u", false, "svwait"), [{ wantUp: true, wantReady: false, or: false }]);
  assert.equal(phasesFor("U", true, "svwait"), [{ wantUp: true, wantReady: true, or: true }]);
  assert.equal(phasesFor("d", false, "svc"), [{ wantUp: false, wantReady: false, or: false }]);
  assert.equal(phasesFor("D", false, "svc"), [{ wantUp: false, wantReady: true, or: false }]);
});

bits("restart: s6-svwait waits for all down, s6-svc -wr (svlisten1) for finish done", () => {
  assert.equal(phasesFor("r", true, "svwait"), [
    { wantUp: false, wantReady: false, or: false },
    { wantUp: true, wantReady: false, or: true },
  ]);
  assert.equal(phasesFor("R", false, "svc"), [
    { wantUp: false, wantReady: true, or: true },
    { wantUp: true, wantReady: true, or: false },
  ]);
});

bits("satisfied: all vs one, readiness only when asked", () => {
  const p = { wantUp: true, wantReady: false, or: false };
  assert.ok(satisfied([up(), up(true)], p));
  assert.not.ok(satisfied([up(), down()], p));
  assert.ok(satisfied([up(), down()], { ...p, or: true }));
  assert.not.ok(satisfied([up(false)], { ...p, wantReady: true }));
  assert.ok(satisfied([down(true)], { wantUp: false, wantReady: true, or: false }));
  assert.not.ok(satisfied([down(false)], { wantUp: false, wantReady: true, or: false }));
});

bits.run();

const events = suite("condition: event letters");
const wantUp = { wantUp: true, wantReady: false, or: false };

events("d D u U set the bits", () => {
  const b = up(true);
  for (const [l, want] of [
    ["d", down()],
    ["D", down(true)],
    ["u", up()],
    ["U", up(true)],
  ] as const) {
    assert.not.ok(applyEvent(b, l, wantUp));
    assert.equal(b, want);
  }
});

events("O fails a wait for up, not for down", () => {
  const b = down();
  assert.ok(applyEvent(b, "O", wantUp));
  assert.equal(b, up());
  const c = down();
  assert.not.ok(applyEvent(c, "O", { wantUp: false, wantReady: false, or: false }));
  assert.equal(c, down());
});

events("x fails only when the service was short of the goal", () => {
  const b = down();
  assert.ok(applyEvent(b, "x", wantUp));
  assert.equal(b, up());
  const c = down();
  assert.not.ok(applyEvent(c, "x", { wantUp: false, wantReady: false, or: false }));
});

events("s and unknown letters change nothing", () => {
  const b = up();
  assert.not.ok(applyEvent(b, "s", wantUp));
  assert.equal(b, up());
});

events.run();

const track = suite("condition: WaitTracker");

track("already there: done at once", () => {
  assert.is(new WaitTracker([up()], phasesFor("u", false, "svwait")).outcome, "done");
});

track("wait for down, then d", () => {
  const t = new WaitTracker([up()], phasesFor("d", false, "svwait"));
  assert.is(t.outcome, "waiting");
  assert.is(t.feed(0, "u"), "waiting");
  assert.is(t.feed(0, "d"), "done");
});

track("-D needs the finish: d then D", () => {
  const t = new WaitTracker([up()], phasesFor("D", false, "svc"));
  assert.is(t.feed(0, "d"), "waiting");
  assert.is(t.feed(0, "D"), "done");
});

track("restart of an up service needs the down first", () => {
  const t = new WaitTracker([up()], phasesFor("r", false, "svwait"));
  assert.is(t.feed(0, "u"), "waiting"); // still the first phase: not down yet
  assert.is(t.feed(0, "d"), "waiting");
  assert.is(t.feed(0, "u"), "done");
});

track("restart letters read in one chunk still count (unlike s6)", () => {
  const t = new WaitTracker([up()], phasesFor("r", false, "svwait"));
  assert.is(t.feed(0, "dDu"), "done");
});

track("-R wants readiness after the restart", () => {
  const t = new WaitTracker([up(true)], phasesFor("R", false, "svc"));
  assert.is(t.feed(0, "dDu"), "waiting");
  assert.is(t.feed(0, "U"), "done");
});

track("all of several, or one of them", () => {
  const all = new WaitTracker([down(), down()], phasesFor("u", false, "svwait"));
  assert.is(all.feed(0, "u"), "waiting");
  assert.is(all.feed(1, "u"), "done");
  const one = new WaitTracker([down(), down()], phasesFor("u", true, "svwait"));
  assert.is(one.feed(1, "u"), "done");
});

track("a failure ends the wait only when the phase ends, with the count", () => {
  const t = new WaitTracker([down(), down(), down()], phasesFor("u", false, "svwait"));
  assert.is(t.feed(0, "x"), "waiting");
  assert.is(t.feed(1, "O"), "waiting");
  assert.is(t.feed(2, "u"), "failed");
  assert.is(t.failures, 2);
});

track.run();
