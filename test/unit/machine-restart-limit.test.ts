// restart-limit (COUNT SECONDS): the pure policy (machine-limit.ts) and the
// machine that feeds it: COUNT deaths within the window make the service
// failed (down, want down as s6 reads it, not restarted); -u, -U, -o or -r
// clear it; a death asked for does not count; a re-exec keeps it.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initialState, step, type SuperviseConfig, type SuperviseState } from "../../src/supervise/machine";
import { freshHistory } from "../../src/supervise/machine-history";
import { clearFailure, countDeath, parseRestartLimit } from "../../src/supervise/machine-limit";
import { decodeRecord, encodeRecord, historyFromRecord, recordFromState } from "../../src/supervise/service-record";
import { cfg, drive, exited, letter, ofType, upState } from "./machine-helpers";

const t = suite("machine: restart-limit");
const limited = (over: Partial<SuperviseConfig> = {}) => cfg({ restartLimit: { count: 3, windowMs: 10_000 }, ...over });

/** run (pid) dies at `now`, then whatever restart the machine arms is fired and spawned as pid+1. */
function dieAt(s: SuperviseState, now: number, config: SuperviseConfig): SuperviseState {
  const p = s.phase;
  if (p.kind !== "up") throw new Error(`not up: ${p.kind}`);
  let cur = step(s, { type: "died", pid: p.pid, status: exited(3), now }, config);
  if (cur.state.phase.kind === "throttled") cur = step(cur.state, { type: "timer", kind: "restart" }, config);
  if (cur.state.phase.kind === "starting") cur = step(cur.state, { type: "spawned", pid: p.pid + 1, now: now + 1000 }, config);
  return cur.state;
}

t("parse: COUNT SECONDS, each at least 1", () => {
  assert.equal(parseRestartLimit("3 10"), { count: 3, windowMs: 10_000 });
  assert.equal(parseRestartLimit(" 5\t60 "), { count: 5, windowMs: 60_000 });
  for (const bad of ["3", "3 10 1", "0 10", "3 0", "x 10", "3s 10", "-1 5", "1001 10", ""]) {
    assert.ok("error" in parseRestartLimit(bad), bad);
  }
});

t("policy: deaths older than the window fall out; COUNT within it fail once", () => {
  const limit = { count: 3, windowMs: 10_000 };
  let h = freshHistory();
  for (const at of [0, 20_000, 25_000]) h = countDeath(h, limit, "svc", at).history;
  assert.equal(h.deathTimes, [20_000, 25_000], "the death at 0 is out of the window");
  assert.is(h.failed, null);
  const r = countDeath(h, limit, "svc", 29_999);
  assert.equal(r.history.failed, { at: 29_999, deaths: 3, seconds: 10 });
  assert.equal(r.history.deathTimes, []);
  assert.is(r.line, "warning: svc failed: 3 deaths in 10 s (restart-limit): not restarted until svc -u");
  assert.equal(clearFailure(r.history), { ...r.history, failed: null, deathTimes: [] });
});

t("machine: the third death within 10 s leaves it down, want down, not restarted, with one line", () => {
  const config = limited();
  let s = upState(config, 1000);
  s = dieAt(s, 2000, config);
  s = dieAt(s, 4000, config);
  assert.is(s.phase.kind, "up", "two deaths: restarted as always");
  const p = s.phase as { pid: number };
  const third = step(s, { type: "died", pid: p.pid, status: exited(3), now: 6000 }, config);
  assert.is(third.state.phase.kind, "down");
  assert.is(third.state.wantUp, false, "s6-svstat reads it as want down");
  assert.equal(third.state.history.failed, { at: 6000, deaths: 3, seconds: 10 });
  assert.equal(ofType(third.effects, "spawnRun"), [], "not restarted");
  assert.equal(ofType(third.effects, "armTimer"), [], "no restart timer");
  assert.ok(ofType(third.effects, "log").some((e) => /svc failed: 3 deaths in 10 s/.test(e.message)));
  assert.equal(ofType(third.effects, "failed"), [{ type: "failed" }], "once: the start-up acts on on-failure");
  const types = third.effects.map((e) => e.type);
  assert.ok(types.indexOf("failed") > types.lastIndexOf("writeStatus"), "after the status says down");
});

t("machine: with ./finish the failure waits for finish, then stays down", () => {
  const config = limited({ hasFinish: true });
  let s = upState(config, 1000);
  for (const at of [2000, 4000]) {
    const p = s.phase as { pid: number };
    let cur = step(s, { type: "died", pid: p.pid, status: exited(3), now: at }, config);
    cur = drive(
      cur.state,
      [
        { type: "finishSpawned", pid: 900 },
        { type: "finishDied", pid: 900, status: 0, now: at + 1 },
      ],
      config,
    );
    if (cur.state.phase.kind === "throttled") cur = step(cur.state, { type: "timer", kind: "restart" }, config);
    s = step(cur.state, { type: "spawned", pid: p.pid + 1, now: at + 1000 }, config).state;
  }
  const p = s.phase as { pid: number };
  const died = step(s, { type: "died", pid: p.pid, status: exited(3), now: 6000 }, config);
  assert.is(died.state.phase.kind, "finishing");
  const done = drive(
    died.state,
    [
      { type: "finishSpawned", pid: 901 },
      { type: "finishDied", pid: 901, status: 0, now: 6001 },
    ],
    config,
  );
  assert.is(done.state.phase.kind, "down");
  assert.is(done.state.wantUp, false);
  assert.equal(ofType(done.effects, "spawnRun"), []);
  assert.equal(ofType(died.effects, "failed"), [], "not before finish is over");
  assert.equal(ofType(done.effects, "failed"), [{ type: "failed" }]);
});

t("machine: deaths spread wider than the window never fail it", () => {
  const config = limited();
  let s = upState(config, 1000);
  for (let i = 1; i <= 10; i++) s = dieAt(s, i * 6000, config);
  assert.is(s.history.failed, null);
  assert.is(s.phase.kind, "up");
});

t("machine: a death asked for (-d) does not count; -u, -U, -o and -r clear a failure and start run", () => {
  const config = limited();
  let s = upState(config, 1000);
  s = dieAt(s, 2000, config);
  s = dieAt(s, 4000, config);
  const p = s.phase as { pid: number };
  const down = drive(s, [letter("d"), { type: "died", pid: p.pid, status: 15, now: 4500 }], config).state;
  assert.equal(down.history.deathTimes, [2000, 4000], "-d's death is not counted");
  assert.is(down.history.failed, null);
  // Fail it, then revive it each way.
  let f = upState(config, 1000);
  for (const at of [2000, 4000, 6000]) f = dieAt(f, at, config);
  assert.ok(f.history.failed);
  for (const l of ["u", "U", "o", "r"] as const) {
    const r = step(f, letter(l), config);
    assert.is(r.state.history.failed, null, `-${l} clears it`);
    assert.equal(r.state.history.deathTimes, [], `-${l} forgets the deaths`);
    assert.is(r.state.phase.kind, "starting", `-${l} starts run`);
    assert.ok(ofType(r.effects, "log").some((e) => e.message === `svc is no longer failed: started by svc -${l}`));
  }
  // -d on a failed service keeps it failed.
  assert.ok(step(f, letter("d"), config).state.history.failed);
});

t("machine: a failure survives a re-exec (record → restore): the new supervisor leaves it down", () => {
  const config = limited();
  let f = upState(config, 1000);
  for (const at of [2000, 4000, 6000]) f = dieAt(f, at, config);
  const record = decodeRecord(encodeRecord(recordFromState(f, config)))!;
  assert.equal(record.failed, { since: new Date(6000).toISOString(), deaths: 3, seconds: 10 });
  assert.equal(record.restartLimit, { count: 3, seconds: 10 });
  const history = historyFromRecord(record);
  assert.equal(history.failed, f.history.failed);
  const restored = drive(
    initialState(),
    [
      { type: "restore", history },
      { type: "start", now: 9000 },
    ],
    config,
  );
  assert.is(restored.state.phase.kind, "down");
  assert.is(restored.state.wantUp, false);
  assert.equal(ofType(restored.effects, "spawnRun"), []);
});

t("machine: without restart-limit nothing is counted", () => {
  let s = upState(cfg(), 1000);
  for (let i = 1; i <= 6; i++) s = dieAt(s, 1000 + i * 1000, cfg());
  assert.equal(s.history.deathTimes, []);
  assert.is(s.history.failed, null);
});

t.run();
