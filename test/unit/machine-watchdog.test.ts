// watchdog-ms (with notify-socket) as moves of the machine: the timer is
// armed at spawn and by each WATCHDOG=1; when it fires run gets SIGABRT and
// the timeout-kill path, its death is restarted, and the history counts it.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { step, KILL_REPEAT_MS } from "../../src/supervise/machine";
import { SIGABRT, SIGCONT, SIGKILL } from "../../src/s6/signal-names";
import { cfg, drive, killedBy, ofType, upState } from "./machine-helpers";

const t = suite("machine: watchdog");
const dog = (over = {}) => cfg({ notifySocket: true, watchdogMs: 500, ...over });

t("spawn arms the watchdog; WATCHDOG=1 arms it again; a death cancels it", () => {
  const config = dog();
  const up = upState(config, 0);
  const ping = step(up, { type: "watchdog", now: 100 }, config);
  assert.equal(ofType(ping.effects, "armTimer"), [{ type: "armTimer", kind: "watchdog", ms: 500 }]);
  const died = step(up, { type: "died", pid: 100, status: 0, now: 200 }, config);
  assert.ok(ofType(died.effects, "cancelTimer").some((e) => e.kind === "watchdog"));
});

t("spawned: the first ping is due within the period", () => {
  const config = dog();
  const r = drive(
    upState(config, 0),
    [
      { type: "control", letter: "k" },
      { type: "died", pid: 100, status: killedBy(9), now: 2000 },
      { type: "spawned", pid: 101, now: 2000 },
    ],
    config,
  );
  assert.ok(ofType(r.effects, "armTimer").some((e) => e.kind === "watchdog" && e.ms === 500));
});

t("no ping within the period: SIGABRT, then SIGKILL to the group after timeout-kill (or 5 s), then a restart", () => {
  for (const [timeoutKillMs, killMs] of [
    [0, KILL_REPEAT_MS],
    [800, 800],
  ] as const) {
    const config = dog({ timeoutKillMs });
    const up = upState(config, 0);
    const fired = step(up, { type: "timer", kind: "watchdog", now: 500 }, config);
    assert.equal(ofType(fired.effects, "kill"), [
      { type: "kill", pid: 100, signal: SIGABRT },
      { type: "kill", pid: 100, signal: SIGCONT },
    ]);
    assert.equal(ofType(fired.effects, "armTimer"), [{ type: "armTimer", kind: "kill", ms: killMs }]);
    assert.ok(ofType(fired.effects, "log").some((e) => /svc\/run sent no WATCHDOG=1 within watchdog-ms \(500 ms\) - sending SIGABRT/.test(e.message)));
    assert.equal([fired.state.history.watchdogKills, fired.state.history.lastWatchdogKill], [1, { at: 500, ms: 500 }]);
    assert.is(fired.state.wantUp, true, "it will be restarted");
    // A ping while dying does not save it; the kill timer goes to SIGKILL.
    const ping = step(fired.state, { type: "watchdog", now: 600 }, config);
    assert.equal(ofType(ping.effects, "armTimer"), []);
    const kill = step(fired.state, { type: "timer", kind: "kill" }, config);
    assert.equal(ofType(kill.effects, "killGroup"), [{ type: "killGroup", pgid: 100, signal: SIGKILL }]);
    const dead = step(fired.state, { type: "died", pid: 100, status: killedBy(SIGABRT), now: 700 }, config);
    assert.ok(ofType(dead.effects, "spawnRun").length + ofType(dead.effects, "armTimer").filter((e) => e.kind === "restart").length > 0, "restarted");
  }
});

t("without notify-socket, or with 0, there is no watchdog", () => {
  for (const config of [cfg({ watchdogMs: 500 }), dog({ watchdogMs: 0 })]) {
    const up = upState(config, 0);
    const fired = step(up, { type: "timer", kind: "watchdog", now: 500 }, config);
    assert.equal(fired.effects, []);
    assert.equal(ofType(step(up, { type: "watchdog", now: 10 }, config).effects, "armTimer"), []);
  }
});

t.run();
