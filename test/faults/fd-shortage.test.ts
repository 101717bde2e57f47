// Running out of fds (finding 2 of issue 13), with the real binary as PID 1
// of `tsinit scan`: a rescan that cannot read the scan dir keeps every
// service; a service whose setup hit EMFILE is retried once fds are free;
// and the supervisor raises its own nofile past the hard limit it was given,
// while its services keep that limit.
import { suite } from "uvu";
import { unless } from "../helpers/skip";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { eventually, sleep, startPid1 } from "../helpers/pid1";
import { bootScan, endBooted, sh, svPid } from "../helpers/booted";
import { tempTree, writeTree, type Tree } from "../../lab/tree";
import { boot, end } from "./booted";

const test = suite("faults: fd shortage");

/** Sets a host pid's soft RLIMIT_NOFILE to n, or back to its hard limit (only
 *  the soft one: raising a hard limit again needs CAP_SYS_RESOURCE). */
function prlimit(pid: number, n: number | "hard"): void {
  const hard = readFileSync(`/proc/${pid}/limits`, "utf8").match(/^Max open files\s+\S+\s+(\S+)/m)![1];
  const r = spawnSync("prlimit", ["--pid", String(pid), `--nofile=${n === "hard" ? hard : n}:`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`prlimit: ${r.stderr}`);
}

/** Whether this process may raise a hard limit (CAP_SYS_RESOURCE, bit 24). */
function mayRaiseHardLimits(): boolean {
  const eff = readFileSync("/proc/self/status", "utf8").match(/^CapEff:\s+([0-9a-f]+)/m)?.[1] ?? "0";
  return ((BigInt(`0x${eff}`) >> 24n) & 1n) === 1n;
}

/** The lowest fd number a host pid does not use. */
function lowestFreeFd(pid: number): number {
  const used = new Set(readdirSync(`/proc/${pid}/fd`).map(Number));
  let fd = 0;
  while (used.has(fd)) fd++;
  return fd;
}

function services(n: number, body = "exec sleep 1000"): Tree {
  const tree: Tree = {};
  for (let i = 0; i < n; i++) tree[`s${i}/run`] = sh(body);
  return tree;
}

test("HUP with nofile exhausted keeps all 100 services; one added meanwhile starts once fds are free", async () => {
  const m = await bootScan(services(100));
  try {
    const dirs = Array.from({ length: 100 }, (_, i) => `${m.root}/s${i}`);
    const pids = await eventually(
      () => {
        const p = dirs.map(svPid);
        return p.every((x) => x > 0) ? p : null;
      },
      60_000,
      "100 services up",
    );
    const host = m.init.hostPid();
    prlimit(host, 64);
    process.kill(host, "SIGHUP");
    await m.init.waitFor(/unable to read \S+: EMFILE/, 5000);
    // inotify sees it, the scan fails alike: said once, not again
    writeTree(m.root, { "late/run": sh("exec sleep 1000") });
    process.kill(host, "SIGHUP");
    await sleep(1500);
    assert.equal(dirs.map(svPid), pids, "every service still up, same pids");
    assert.is(svPid(`${m.root}/late`), 0);
    assert.match(m.init.output(), /unable to read \S+: EMFILE: keeping the 100 services as they are, retrying in 3 s/);
    prlimit(host, "hard");
    // no event after this: the one-shot retry finds the new service
    await eventually(() => svPid(`${m.root}/late`), 8000, "late up after the retry");
    assert.equal(dirs.map(svPid), pids, "still the same pids");
    assert.is(m.init.output().match(/unable to read \S+: EMFILE/g)?.length, 1, m.init.output());
  } finally {
    await endBooted(m);
  }
});

test("PID 1: HUP with nofile exhausted keeps the mirror and every service, without a re-exec", async () => {
  const tree: Tree = {};
  for (let i = 0; i < 30; i++) tree[`service/s${i}/run`] = sh("exec sleep 1000");
  const m = await boot(tree);
  try {
    const dirs = Array.from({ length: 30 }, (_, i) => m.svc(`s${i}`));
    const pids = await eventually(
      () => {
        const p = dirs.map(svPid);
        return p.every((x) => x > 0) ? p : null;
      },
      30_000,
      "30 services up",
    );
    const host = m.init.hostPid();
    prlimit(host, 64);
    process.kill(host, "SIGHUP");
    await m.init.waitFor(/EMFILE/, 5000);
    await sleep(1500);
    assert.equal(dirs.map(svPid), pids, "every service still up, same pids");
    assert.ok(
      dirs.every((d) => existsSync(`${d}/run`)),
      "the mirror is still there",
    );
    prlimit(host, "hard");
    process.kill(host, "SIGHUP");
    await sleep(1000);
    assert.equal(dirs.map(svPid), pids, "and after the fds are back");
    assert.not.match(m.init.output(), /info: re-executed|tsinit: fatal: /, m.init.output());
  } finally {
    await end(m);
  }
});

test("a service whose setup hit EMFILE (supervise/control) is retried once fds are free", async () => {
  const m = await bootScan({ "a/run": sh("exec sleep 1000") });
  try {
    await eventually(() => svPid(`${m.root}/a`), 10_000, "a up");
    await sleep(1000); // its status and event writes (transient fds) are over
    const host = m.init.hostPid();
    // One free fd: the scan's readdir gets it, then supervise/lock, and the control fifo cannot open.
    prlimit(host, lowestFreeFd(host) + 1);
    writeTree(m.root, { "b/run": sh("exec sleep 1000") });
    await m.init.waitFor(/unable to supervise \S+\/b: .*EMFILE/, 5000);
    await sleep(500);
    assert.is(svPid(`${m.root}/b`), 0);
    prlimit(host, "hard");
    await eventually(() => svPid(`${m.root}/b`), 8000, "b up after the retry");
    assert.ok(svPid(`${m.root}/a`) > 0);
  } finally {
    await endBooted(m);
  }
});

// A container without CAP_SYS_RESOURCE: nobody here may raise a hard limit, the scan neither.
unless(test, mayRaiseHardLimits() ? null : "no CAP_SYS_RESOURCE, a hard limit cannot be raised here")(
  "given nofile 128:128, the scan raises its own limit and supervises 100 services; they keep 128:128",
  async () => {
    const tree = services(100, `grep "open files" /proc/self/limits > limits; exec sleep 1000`);
    const root = tempTree(tree);
    const init = startPid1(["scan", root], { wrap: ["prlimit", "--nofile=128:128"] });
    const m = { root, init };
    try {
      const dirs = Array.from({ length: 100 }, (_, i) => `${root}/s${i}`);
      await eventually(() => dirs.every((d) => svPid(d) > 0), 60_000, "100 services up");
      const own = readFileSync(`/proc/${init.hostPid()}/limits`, "utf8").match(/^Max open files\s+(\d+)\s+(\d+)/m);
      const nrOpen = Number(readFileSync("/proc/sys/fs/nr_open", "utf8"));
      assert.equal([Number(own?.[1]), Number(own?.[2])], [nrOpen, nrOpen], "the scan's own limit: fs.nr_open");
      const limits = await eventually(() => readFileSync(`${root}/s99/limits`, "utf8"), 5000, "s99's limits");
      assert.match(limits, /^Max open files\s+128\s+128\s/);
      assert.not.match(init.output(), /EMFILE/);
    } finally {
      await endBooted(m);
    }
  },
);

test.run();
