// Adoption after a re-exec checks what supervise/status claims. An empty,
// truncated or random status must not give its service a second instance;
// a forged status naming another service's process (a logger's) or a task's
// must not make that process adopted, nor let `svc -d` of the forger kill it.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { decodeStatus, encodeStatus, stampFromMs } from "../../src/s6/status-file";
import { eventually, sleep } from "../helpers/pid1";
import { bootInit, endBooted, sh, svPid, svStatus, type Booted } from "../helpers/booted";
import { runningIn } from "../helpers/procs";

const test = suite("adopt-status");
const RTMIN = 34;

const tree = {
  "service/a/run": sh("exec sleep 1000"),
  "service/b/run": sh("exec sleep 1000"),
  "service/c/run": sh("exec sleep 1000"),
  "service/d/run": sh("exec sleep 1000"),
  "service/d/log/run": sh("exec cat > /dev/null"),
};
const NAMES = ["a", "b", "c", "d", "d/log"];

const dirOf = (m: Booted, name: string) => `${m.root}/run/service/${name}`;
const copies = (m: Booted) => NAMES.map((n) => runningIn(dirOf(m, n)).length);

async function up(m: Booted): Promise<number[]> {
  return eventually(
    () => {
      const p = NAMES.map((n) => svPid(dirOf(m, n)));
      return p.every((x) => x > 0) ? p : null;
    },
    10_000,
    "all up",
  );
}

/** A planned re-exec; resolves once the new image is done booting. */
async function reexec(m: Booted): Promise<void> {
  m.init.exec(["kill", `-${RTMIN + 25}`, "1"]);
  await eventually(() => (m.init.output().match(/boot: done in/g) ?? []).length >= 2, 15_000, "second boot");
}

test("empty, truncated and random status files before a re-exec: still one instance of each service", async () => {
  const m = await bootInit(tree, { grace: 1000 });
  try {
    await up(m);
    const status = (n: string) => `${dirOf(m, n)}/supervise/status`;
    writeFileSync(status("a"), "");
    writeFileSync(status("b"), readFileSync(status("b")).subarray(0, 20));
    writeFileSync(status("c"), randomBytes(35));
    await reexec(m);
    await eventually(() => ["a", "b", "c"].every((n) => svPid(dirOf(m, n)) > 0), 10_000, "a, b, c up");
    await sleep(500);
    assert.equal(copies(m), [1, 1, 1, 1, 1], `one process per service dir; output:\n${m.init.output()}`);
    for (const n of ["a", "b", "c"]) assert.ok(decodeStatus(readFileSync(status(n))), `${n}'s status rewritten`);
  } finally {
    await endBooted(m);
  }
});

test("a status forged to name another service's logger: not adopted twice, svc -d leaves the logger alone", async () => {
  const m = await bootInit(tree, { grace: 1000 });
  try {
    const before = await up(m);
    const logger = before[NAMES.indexOf("d/log")]!;
    const a = svStatus(dirOf(m, "a"))!;
    writeFileSync(`${dirOf(m, "a")}/supervise/status`, encodeStatus({ ...a, pid: logger }));
    await reexec(m);
    await sleep(500);
    assert.is(svPid(dirOf(m, "d/log")), logger, "the logger is d/log's");
    const aPid = await eventually(() => svPid(dirOf(m, "a")), 5000, "a up");
    assert.is.not(aPid, logger, "a has a process of its own");
    assert.equal(copies(m), [1, 1, 1, 1, 1], "one process per service dir");
    assert.is(spawnSync("s6-svc", ["-d", dirOf(m, "a")]).status, 0);
    await eventually(() => svStatus(dirOf(m, "a"))?.pid === 0, 5000, "a down");
    await sleep(300);
    assert.is(m.init.exec(["kill", "-0", String(logger)]).status, 0, "the logger still runs");
    assert.is(svPid(dirOf(m, "d/log")), logger, "and is still d/log's");
  } finally {
    await endBooted(m);
  }
});

test("a status forged to name a running task's pid: not adopted; svc -d leaves the task alone, svc -u starts one copy", async () => {
  const m = await bootInit({ ...tree, "task/t": sh("exec sleep 1000") }, { grace: 1000 });
  try {
    await up(m);
    const taskPid = () => {
      try {
        const r = JSON.parse(readFileSync(`${m.root}/run/task/t.json`, "utf8"));
        return r.state === "running" ? (r.pid as number) : 0;
      } catch {
        return 0;
      }
    };
    const task = await eventually(taskPid, 5000, "task t running");
    const a = svStatus(dirOf(m, "a"))!;
    // The stamp too: a forger writes a whole status, as fresh as it likes.
    writeFileSync(`${dirOf(m, "a")}/supervise/status`, encodeStatus({ ...a, pid: task, stamp: stampFromMs(Date.now()) }));
    await reexec(m);
    const aPid = await eventually(
      () => {
        const p = svPid(dirOf(m, "a"));
        return p > 0 && p !== task ? p : 0;
      },
      5000,
      `a up with a process of its own; output:\n${m.init.output()}`,
    );
    await m.init.waitFor(new RegExp(`status names pid ${task}, not taken over: it is task t's process`), 5000);
    assert.equal(copies(m), [1, 1, 1, 1, 1], "one process per service dir");
    assert.is(spawnSync("s6-svc", ["-d", dirOf(m, "a")]).status, 0);
    await eventually(() => svStatus(dirOf(m, "a"))?.pid === 0, 5000, "a down");
    await sleep(300);
    assert.is(m.init.exec(["kill", "-0", String(task)]).status, 0, "the task still runs");
    assert.is(taskPid(), task, "and is still recorded running");
    assert.is(spawnSync("s6-svc", ["-u", dirOf(m, "a")]).status, 0);
    await eventually(
      () => {
        const p = svPid(dirOf(m, "a"));
        return p > 0 && p !== aPid;
      },
      5000,
      "a up again",
    );
    await sleep(300);
    assert.equal(copies(m), [1, 1, 1, 1, 1], "svc -u: one copy of a");
    assert.is(m.init.exec(["kill", "-0", String(task)]).status, 0, "the task still runs");
  } finally {
    await endBooted(m);
  }
});

test.run();
