// A service dir removed while its service runs: the service is stopped, the
// scanner keeps going (a later directory still starts), and another service
// is untouched. Under PID 1 (the image's dir removed, its live mirror goes)
// and under `tsinit scan` (the live dir itself, supervise/ and all, rm -rf'd).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, renameSync, rmSync } from "node:fs";
import { eventually, sleep, startPid1 } from "../helpers/pid1";
import { removeTree, tempTree, writeTree } from "../../lab/tree";
import { alive, boot, end, findProcs, sh } from "./booted";

const test = suite("faults: removed");

const one =
  (host: number, ...words: string[]) =>
  () => {
    const p = findProcs(host, ...words);
    return p.length === 1 ? p[0]! : 0;
  };

test("PID 1: the image's service dir removed while running", async () => {
  const m = await boot({
    "service/gone/run": sh("exec sleep 1006"),
    "service/keep/run": sh("exec sleep 1007"),
  });
  try {
    const host = m.init.hostPid();
    const gone = await eventually(one(host, "sleep", "1006"), 5000, "gone up");
    const keep = await eventually(one(host, "sleep", "1007"), 5000, "keep up");
    rmSync(`${m.root}/service/gone`, { recursive: true, force: true });
    await eventually(() => !alive(gone), 5000, "gone stopped");
    await eventually(() => !existsSync(m.svc("gone")), 5000, "its live dir removed");
    writeTree(`${m.root}/.staging`, { run: sh("exec sleep 1008") });
    renameSync(`${m.root}/.staging`, `${m.root}/service/late`);
    await eventually(one(host, "sleep", "1008"), 5000, "a later service still starts");
    assert.ok(alive(keep), "keep untouched");
    assert.is(findProcs(host, "sleep", "1006").length, 0, "gone not restarted");
  } finally {
    await end(m);
  }
});

test("tsinit scan: the live service dir rm -rf'd, supervise/ and all", async () => {
  const dir = tempTree({ "gone/run": sh("exec sleep 1009"), "keep/run": sh("exec sleep 1010") });
  const init = startPid1(["scan", dir]);
  try {
    await eventually(() => existsSync(`${dir}/.s6-svscan/control`), 10_000, "scanner");
    const host = init.hostPid();
    const gone = await eventually(one(host, "sleep", "1009"), 5000, "gone up");
    const keep = await eventually(one(host, "sleep", "1010"), 5000, "keep up");
    rmSync(`${dir}/gone`, { recursive: true, force: true });
    await eventually(() => !alive(gone), 5000, "gone stopped");
    await sleep(300);
    assert.ok(!existsSync(`${dir}/gone`), "not recreated");
    assert.is(findProcs(host, "sleep", "1009").length, 0, "gone not restarted");
    writeTree(`${dir}/.staging`, { run: sh("exec sleep 1011") });
    renameSync(`${dir}/.staging`, `${dir}/late`);
    await eventually(one(host, "sleep", "1011"), 5000, "a later service still starts");
    assert.ok(alive(keep), "keep untouched");
    assert.is(init.exec(["s6-svc", "-wr", "-T", "5000", "-r", `${dir}/keep`]).status, 0, "keep still answers");
  } finally {
    await init.kill();
    removeTree(dir);
  }
});

test.run();
