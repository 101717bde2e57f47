import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CRASH_LIMIT, CRASH_WINDOW_MS, crashLines, isCrashLoop, nextCrashCount, takeInherited } from "../../src/boot/reexec";
import { initialState, step, DEFAULT_CONFIG } from "../../src/supervise/machine";

const test = suite("reexec");

test("the re-exec variables are read once and removed from the environment", () => {
  const env: NodeJS.ProcessEnv = { TSINIT_REEXEC: "signal", TSINIT_CRASHES: "2", PATH: "/bin" };
  assert.equal(takeInherited(env), { reason: "signal", crashes: 2 });
  assert.equal(env, { PATH: "/bin" });
  assert.is(takeInherited(env), null, "a first boot");
});

test("crashes soon after a start count up; a late crash or a planned re-exec starts over", () => {
  const t = 1_000_000;
  assert.is(nextCrashCount(null, t, t + 10), 1);
  assert.is(nextCrashCount({ reason: "signal", crashes: 1 }, t, t + 10), 2);
  assert.is(nextCrashCount({ reason: "signal", crashes: 2 }, t, t + CRASH_WINDOW_MS + 1), 1, "late");
  assert.is(nextCrashCount({ reason: "planned", crashes: 0 }, t, t + 10), 1);
  assert.not.ok(isCrashLoop({ reason: "signal", crashes: CRASH_LIMIT - 1 }));
  assert.ok(isCrashLoop({ reason: "exception", crashes: CRASH_LIMIT }));
  assert.not.ok(isCrashLoop({ reason: "planned", crashes: 9 }));
});

test("adopt takes over a running run without spawning or announcing anything", () => {
  const cfg = { ...DEFAULT_CONFIG, name: "svc" };
  const r = step(initialState(), { type: "adopt", pid: 42, finishing: false, wantUp: true, paused: false, ready: true, stamp: 5000, readyStamp: 6000, waitStatus: 0 }, cfg);
  assert.equal(r.state.phase, { kind: "up", pid: 42, dying: false });
  assert.is(r.state.ready, true);
  assert.is(r.state.readyStamp, 6000);
  assert.equal(r.effects, []);
  const died = step(r.state, { type: "died", pid: 42, status: 0x0900, now: 9000 }, cfg);
  assert.ok(died.effects.some((e) => e.type === "spawnRun"), "supervised after adoption: restarted");
  const fin = step(initialState(), { type: "adopt", pid: 43, finishing: true, wantUp: true, paused: false, ready: false, stamp: 0, readyStamp: 0, waitStatus: 0 }, cfg);
  assert.equal(fin.state.phase, { kind: "finishing", pid: 43 });
  assert.equal(fin.effects, [{ type: "armTimer", kind: "finish", ms: 5000 }]);
  const late = step(r.state, { type: "adopt", pid: 7, finishing: false, wantUp: true, paused: false, ready: false, stamp: 0, readyStamp: 0, waitStatus: 0 }, cfg);
  assert.equal(late.state.phase, r.state.phase, "only from init");
});

test("the fatal signals and what the handler says are TS's (the addon installs them)", () => {
  const c = crashLines();
  assert.equal(c.signals, [11, 7, 6, 4, 8]);
  assert.is(c.lines[0], "tsinit: fatal signal 11: re-executing to keep process 1 alive\n");
  assert.is(c.lines.length, c.signals.length);
  assert.is(c.failLine, "tsinit: unable to re-execute after a fatal signal\n");
});

test.run();
