// Order without races, with the real binary as PID 1: services and tasks that
// declare `dependencies` start only once those are ready.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import { bootInit as boot, endBooted as end, sh, svPid, type Booted } from "../helpers/booted";
import type { Tree } from "../../lab/tree";

const test = suite("deps");
const live = (m: Booted, name: string) => `${m.root}/run/service/${name}`;
const pidOf = (m: Booted, name: string) => svPid(live(m, name));
const task = (m: Booted, name: string) => {
  try {
    return JSON.parse(readFileSync(`${m.root}/run/task/${name}.json`, "utf8"));
  } catch {
    return null;
  }
};

// The seed's case: a task needs what a service makes (entropy from haveged);
// the service makes it 300 ms after it starts, then says it is ready.
const seedTree = (): Tree => ({
  "service/haveged/run": sh("sleep 0.3; echo entropy > ../../../entropy; echo >&3; exec sleep 1000"),
  "service/haveged/notification-fd": "3\n",
  // The verdict is written to a temp file and renamed, so the test never reads a half-written one.
  "task/pacman-init/run": sh(
    "if [ -e ../../entropy ]; then echo ok > ../../result.tmp; else echo missing > ../../result.tmp; fi; mv ../../result.tmp ../../result",
  ),
  "task/pacman-init/dependencies": "haveged\n",
});

test("a task waits for the readiness of a service it depends on, across 50 boots", async () => {
  for (let i = 0; i < 50; i++) {
    const m = await boot(seedTree());
    try {
      await eventually(() => existsSync(`${m.root}/result`), 10_000, `boot ${i}: the task ran`);
      assert.is(readFileSync(`${m.root}/result`, "utf8").trim(), "ok", `boot ${i}: the task saw the file`);
    } finally {
      await end(m);
    }
  }
});

test("a chain and a diamond start in order; status says what waits", async () => {
  const m = await boot({
    "service/base/run": sh("sleep 0.4; echo >&3; exec sleep 1000"),
    "service/base/notification-fd": "3\n",
    "service/left/run": sh("exec sleep 1000"),
    "service/left/dependencies": "base\n",
    "service/right/run": sh("exec sleep 1000"),
    "service/right/dependencies.d/base": "",
    "service/top/run": sh("exec sleep 1000"),
    "service/top/dependencies": "# both sides\nleft\nright\n",
  });
  try {
    await eventually(() => existsSync(`${live(m, "top")}/supervise/waiting`), 3000, "top waits");
    assert.is(pidOf(m, "left"), 0, "left held while base is not ready");
    assert.match(readFileSync(`${live(m, "left")}/supervise/waiting`, "utf8"), /"waitsFor":\["base"\]/);
    await eventually(() => pidOf(m, "top"), 5000, "top up");
    assert.ok(pidOf(m, "left") && pidOf(m, "right"), "both sides up");
    assert.not.ok(existsSync(`${live(m, "top")}/supervise/waiting`), "no longer waiting");
  } finally {
    await end(m);
  }
});

test("a cycle and a missing name are reported with their files; the rest starts", async () => {
  const m = await boot({
    "service/a/run": sh("exec sleep 1000"),
    "service/a/dependencies": "b\n",
    "service/b/run": sh("exec sleep 1000"),
    "service/b/dependencies": "a\n",
    "service/lost/run": sh("exec sleep 1000"),
    "service/lost/dependencies": "nosuch\n",
    "service/free/run": sh("exec sleep 1000"),
  });
  try {
    await eventually(() => pidOf(m, "free"), 5000, "free up");
    await m.init.waitFor(/dependency cycle: (a -> b -> a|b -> a -> b)/);
    await m.init.waitFor(/lost\/dependencies: lost depends on nosuch, which does not exist/);
    await sleep(300);
    assert.is(pidOf(m, "a"), 0);
    assert.is(pidOf(m, "lost"), 0);
    assert.match(readFileSync(`${live(m, "lost")}/supervise/waiting`, "utf8"), /"blockedBy":\["nosuch"\]/);
  } finally {
    await end(m);
  }
});

test("a failed task blocks what depends on it", async () => {
  const m = await boot({
    "task/migrate/run": sh("exit 2"),
    "service/app/run": sh("exec sleep 1000"),
    "service/app/dependencies": "migrate\n",
    "service/other/run": sh("exec sleep 1000"),
  });
  try {
    await eventually(() => task(m, "migrate")?.state === "exited", 5000, "task ended");
    await eventually(() => pidOf(m, "other"), 5000, "other up");
    await eventually(
      () => existsSync(`${live(m, "app")}/supervise/waiting`) && /"blockedBy":\["migrate"\]/.test(readFileSync(`${live(m, "app")}/supervise/waiting`, "utf8")),
      3000,
      "app blocked by migrate",
    );
    assert.is(pidOf(m, "app"), 0);
    await m.init.waitFor(/migrate failed: what depends on it stays down/);
  } finally {
    await end(m);
  }
});

test("shutdown stops dependents before what they depend on", async () => {
  // Each service notes its stop in one shared file from its finish script.
  const note = (name: string) => sh(`echo ${name} >> ../../../stops`);
  const m = await boot({
    "service/db/run": sh("exec sleep 1000"),
    "service/db/finish": note("db"),
    "service/api/run": sh("exec sleep 1000"),
    "service/api/finish": note("api"),
    "service/api/dependencies": "db\n",
    "service/web/run": sh("exec sleep 1000"),
    "service/web/finish": note("web"),
    "service/web/dependencies": "api\n",
  });
  try {
    await eventually(() => pidOf(m, "web"), 5000, "web up");
    process.kill(m.init.hostPid(), "SIGUSR1");
    assert.is(await m.init.exited, 130);
    assert.equal(readFileSync(`${m.root}/stops`, "utf8").trim().split("\n"), ["web", "api", "db"]);
  } finally {
    await end(m);
  }
});

test.run();
