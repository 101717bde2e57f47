// `tsinit scan` that is not the namespace's init (its parent is a shell)
// survives its own crash as PID 1 does: a fatal signal re-executes it and the
// services are adopted, same pids. Killed for good (SIGKILL), it leaves its
// services to the namespace's init; a new scan on the dir stops them before
// starting its own: never two copies of a service.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { BIN, eventually, sleep, startPid1, type Pid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { sh, svPid } from "../helpers/booted";
import { runningIn } from "../helpers/procs";

const test = suite("adopt-scan");
const NAMES = ["a", "b", "c", "c/log"];

interface Ctx {
  root: string;
  scan: string;
  init: Pid1;
}

/** A shell as the namespace's init, `tsinit scan ROOT/scan` its child. */
async function boot(): Promise<Ctx> {
  const root = tempTree({
    "scan/a/run": sh("exec sleep 1000"),
    "scan/b/run": sh("exec sleep 1000"),
    "scan/c/run": sh('i=0; while :; do i=$((i+1)); echo "n $i"; sleep 0.05; done'),
    "scan/c/log/run": sh("exec cat >> ../../../c.log"),
  });
  const scan = `${root}/scan`;
  const init = startPid1(["-c", '"$0" scan "$1" & echo $! > "$1/../scan.pid"; while :; do wait; sleep 0.2; done', BIN, scan], { bin: "/bin/sh" });
  await eventually(() => NAMES.every((n) => svPid(`${scan}/${n}`) > 0), 10_000, "all up");
  return { root, scan, init };
}

const pids = (ctx: Ctx) => NAMES.map((n) => svPid(`${ctx.scan}/${n}`));
const scanPid = (ctx: Ctx) => readFileSync(`${ctx.root}/scan.pid`, "utf8").trim();
const copies = (ctx: Ctx) => NAMES.map((n) => runningIn(`${ctx.scan}/${n}`).length);

test("SEGV to tsinit scan: re-executed, same service pids, one copy each, still supervised", async () => {
  const ctx = await boot();
  try {
    await sleep(300);
    const before = pids(ctx);
    ctx.init.exec(["kill", "-SEGV", scanPid(ctx)]);
    await ctx.init.waitFor(/re-executed \(signal, crash 1 in a row\)/, 15_000);
    const logged = () =>
      readFileSync(`${ctx.root}/c.log`, "utf8")
        .trim()
        .split("\n")
        .map((l) => Number(l.split(" ")[1]));
    const atReexec = logged().length;
    await sleep(500);
    assert.equal(pids(ctx), before, "same pids in the status files");
    assert.equal(copies(ctx), [1, 1, 1, 1], "one process per service dir");
    assert.is(spawnSync("s6-svok", [`${ctx.scan}/a`]).status, 0, "the new image holds the lock");
    // Still supervised by the new image: a killed service comes back.
    ctx.init.exec(["kill", "-KILL", String(before[0])]);
    await eventually(
      () => {
        const p = svPid(`${ctx.scan}/a`);
        return p > 0 && p !== before[0];
      },
      5000,
      "a restarted",
    );
    // The log pipe was carried across: the logger still gets every line, in order.
    const n = await eventually(() => (logged().length > atReexec + 5 ? logged() : null), 5000, "lines logged after the re-exec");
    assert.equal(
      n,
      n.map((_, i) => i + 1),
      "no line lost or repeated",
    );
  } finally {
    await ctx.init.kill();
    removeTree(ctx.root);
  }
});

test("SIGKILL to tsinit scan, then a new tsinit scan on the dir: the survivors stopped, no second copy", async () => {
  const ctx = await boot();
  let second: ReturnType<typeof spawn> | undefined;
  try {
    const before = pids(ctx);
    ctx.init.exec(["kill", "-KILL", scanPid(ctx)]);
    await sleep(300);
    assert.equal(copies(ctx), [1, 1, 1, 1], "the services outlive their scanner");
    second = spawn("nsenter", ["-t", String(ctx.init.hostPid()), "-p", "-m", "--", BIN, "scan", ctx.scan], { stdio: "ignore" });
    await eventually(() => pids(ctx).every((p, i) => p > 0 && p !== before[i]), 15_000, "every service started by the new scan");
    await sleep(300);
    assert.equal(copies(ctx), [1, 1, 1, 1], "one process per service dir");
    for (const p of before) assert.is.not(ctx.init.exec(["sh", "-c", `grep -v '^[^)]*) Z' /proc/${p}/stat`]).status, 0, `old pid ${p} gone`);
    // And a stop stops everything.
    spawnSync("s6-svscanctl", ["-t", ctx.scan]);
    await eventually(() => copies(ctx).every((n) => n === 0), 10_000, "all stopped");
  } finally {
    second?.kill("SIGKILL");
    await ctx.init.kill();
    removeTree(ctx.root);
  }
});

test.run();
