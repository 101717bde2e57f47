// Health and failure (issue 24), with the real binary as PID 1:
// restart-limit ends a crash loop as *failed* (down for the s6 tools too), its
// dependent is held and says why, and `svc -u` revives it.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import { bootInit as boot, endMachine as end, sh, svPid, svStatus } from "../helpers/machine";
import { run, tsinit } from "./cli-helpers";

const test = suite("health");
const readJson = (path: string) => {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
};

test("restart-limit 3 10: a crash loop ends failed, its dependent is held and says why, svc -u revives it", async () => {
  const m = await boot({
    // Dies at once until ROOT/healthy exists; then says it is ready on fd 3.
    "service/flaky/run": sh("[ -e ../../../healthy ] && { echo >&3; exec sleep 1000; }; exit 3"),
    "service/flaky/notification-fd": "3\n",
    "service/flaky/restart-limit": "3 10\n",
    "service/app/run": sh("exec sleep 1000"),
    "service/app/dependencies": "flaky\n",
  });
  const live = (name: string) => `${m.root}/run/service/${name}`;
  try {
    await m.init.waitFor(/warning: flaky failed: 3 deaths in 10 s \(restart-limit\): not restarted until svc -u/);
    await m.init.waitFor(/warning: flaky failed: what depends on it stays down/);
    const record = () => readJson(`${live("flaky")}/supervise/tsinit-record`);
    await eventually(() => record()?.failed, 3000, "the record says failed");
    // Not restarted: the throttle (1 s) passes and it stays down.
    await sleep(1500);
    assert.is(record().restarts, 2, "two restarts, then no more");
    const st = svStatus(live("flaky"))!;
    assert.equal([st.pid, st.wantUp, st.finishing], [0, false, false], "supervise/status: down, want down");
    assert.match(run("s6-svstat", live("flaky")).out, /^down \(exitcode 3\) \d+ seconds, normally up, ready/);

    const story = tsinit("status", live("flaky"));
    console.log(`\n$ tsinit status flaky\n${story.out}`);
    assert.match(story.out, /state: failed since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(\d+s ago\): 3 deaths in 10 s/);
    const json = JSON.parse(tsinit("status", "--json", live("flaky")).out)[0];
    assert.is(json.state, "failed");
    assert.equal([json.failed.deaths, json.failed.seconds, json.restartLimit], [3, 10, { count: 3, seconds: 10 }]);
    assert.ok(Date.parse(json.failed.since) > 0);

    assert.is(svPid(live("app")), 0, "app never started");
    await eventually(() => readJson(`${live("app")}/supervise/waiting`)?.blockedBy?.includes("flaky"), 3000, "app blocked by flaky");
    assert.match(tsinit("status", live("app")).out, /depends on: flaky \(failed\); waits for flaky; blocked by flaky/);

    writeFileSync(`${m.root}/healthy`, "");
    assert.is(tsinit("svc", "-u", live("flaky")).status, 0);
    await m.init.waitFor(/flaky is no longer failed: started by svc -u/);
    await eventually(() => svPid(live("app")), 5000, "app starts once flaky is ready");
    assert.ok(svPid(live("flaky")), "flaky up");
    assert.is(record().failed, null);
    assert.is(JSON.parse(tsinit("status", "--json", live("flaky")).out)[0].state, "up");
  } finally {
    await end(m);
  }
});

test.run();
