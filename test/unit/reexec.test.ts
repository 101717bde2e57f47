import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CRASH_LIMIT, CRASH_WINDOW_MS, crashesNow, crashLines, isCrashLoop, takeInherited } from "../../src/boot/reexec";
import { initialState, step, DEFAULT_CONFIG } from "../../src/supervise/machine";

const test = suite("reexec");

test("the re-exec variables are read once and removed from the environment", () => {
  const env: NodeJS.ProcessEnv = { TSINIT_REEXEC: "signal", TSINIT_CRASHES: "1", TSINIT_STARTED: "5000", PATH: "/bin" };
  assert.equal(takeInherited(CRASH_WINDOW_MS, env, 6000), { reason: "signal", crashes: 2 });
  assert.equal(env, { PATH: "/bin" });
  assert.is(takeInherited(CRASH_WINDOW_MS, env, 6000), null, "a first boot");
  // An older image counted before the exec and said no start: its count stands.
  assert.equal(takeInherited(CRASH_WINDOW_MS, { TSINIT_REEXEC: "signal", TSINIT_CRASHES: "2" }, 6000), { reason: "signal", crashes: 2 });
});

test("crashes within the window of the start before count up; a crash past it starts over", () => {
  const t = 1_000_000;
  const W = CRASH_WINDOW_MS;
  assert.is(crashesNow({ reason: "signal", crashes: 0, startedMs: t }, t + 10, W), 1, "a first crash");
  assert.is(crashesNow({ reason: "signal", crashes: 1, startedMs: t }, t + 10, W), 2);
  assert.is(crashesNow({ reason: "exception", crashes: 2, startedMs: t }, t + W - 1, W), 3);
  assert.is(crashesNow({ reason: "signal", crashes: 2, startedMs: t }, t + W, W), 1, "it ran the window: the count starts over");
  assert.is(crashesNow({ reason: "planned", crashes: 2, startedMs: t }, t + 10, W), 0);
  assert.is(crashesNow({ reason: "signal", crashes: 0, startedMs: t }, t + 10, 5), 1, "a window of its own");
  assert.is(crashesNow({ reason: "signal", crashes: 2, startedMs: t }, t + 10, 5), 1);
  assert.not.ok(isCrashLoop({ reason: "signal", crashes: CRASH_LIMIT - 1 }));
  assert.ok(isCrashLoop({ reason: "exception", crashes: CRASH_LIMIT }));
  assert.not.ok(isCrashLoop({ reason: "planned", crashes: 9 }));
});

test("three crashes a month apart never make a loop; three within a minute do", () => {
  const day = 86_400_000;
  const run = (gaps: number[]) => {
    let crashes = 0;
    let started = 0;
    for (const gap of gaps) {
      crashes = crashesNow({ reason: "signal", crashes, startedMs: started }, started + gap, CRASH_WINDOW_MS);
      started += gap;
    }
    return crashes;
  };
  assert.is(run([10 * day, 10 * day, 10 * day]), 1);
  assert.is(run([66_000, 66_000, 66_000]), 1, "66 s apart (the issue's spacing)");
  assert.is(run([5000, 5000, 5000]), CRASH_LIMIT);
  assert.is(run([5000, 5000, 66_000, 5000]), 2, "one that ran the window resets what came before");
});

test("adopt takes over a running run without spawning or announcing anything", () => {
  const cfg = { ...DEFAULT_CONFIG, name: "svc" };
  const r = step(
    initialState(),
    { type: "adopt", pid: 42, finishing: false, wantUp: true, paused: false, ready: true, stamp: 5000, readyStamp: 6000, waitStatus: 0 },
    cfg,
  );
  assert.equal(r.state.phase, { kind: "up", pid: 42, dying: false });
  assert.is(r.state.ready, true);
  assert.is(r.state.readyStamp, 6000);
  assert.equal(r.effects, []);
  const died = step(r.state, { type: "died", pid: 42, status: 0x0900, now: 9000 }, cfg);
  assert.ok(
    died.effects.some((e) => e.type === "spawnRun"),
    "supervised after adoption: restarted",
  );
  const fin = step(
    initialState(),
    { type: "adopt", pid: 43, finishing: true, wantUp: true, paused: false, ready: false, stamp: 0, readyStamp: 0, waitStatus: 0 },
    cfg,
  );
  assert.equal(fin.state.phase, { kind: "finishing", pid: 43 });
  assert.equal(fin.effects, [{ type: "armTimer", kind: "finish", ms: 5000 }]);
  const late = step(
    r.state,
    { type: "adopt", pid: 7, finishing: false, wantUp: true, paused: false, ready: false, stamp: 0, readyStamp: 0, waitStatus: 0 },
    cfg,
  );
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
