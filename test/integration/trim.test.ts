// After boot settles, PID 1 gives back the memory only its start needed
// (src/boot/trim.ts): its executable's file pages leave its PSS, and it keeps
// supervising: a killed service restarts, and few pages come back with it.
// PSS is read from outside (/proc/PID/smaps_rollup), never from PID 1's own
// line, so the trim is judged by numbers it does not report itself.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, bootScan, endBooted, sh, svPid } from "../helpers/booted";

const test = suite("trim");

const TRIMMED = /gave back start-up memory: \S+: PSS ([\d.]+) MiB \(anon ([\d.]+), file ([\d.]+)\) -> ([\d.]+) MiB \(anon ([\d.]+), file ([\d.]+)\)/;

/** A field of a host pid's smaps_rollup (Pss, Pss_File, Pss_Anon) in MiB, read from outside. */
function pssMiB(pid: number, field: "Pss" | "Pss_File" | "Pss_Anon"): number {
  const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m"));
  return Number(m![1]) / 1024;
}

test("once boot settles: the executable's pages leave PID 1's PSS; services still restart", async () => {
  const m = await bootInit({
    "service/a/run": sh("exec sleep 1000"),
    "service/b/run": sh("exec sleep 1000"),
    "task/t1": sh("exit 0"),
    "env/": null,
  });
  try {
    // Boot is done; the trim waits for 1 s without a child's death, so this is before it.
    const pid1 = m.init.hostPid();
    const fileBefore = pssMiB(pid1, "Pss_File");
    assert.not.match(m.init.output(), TRIMMED, "read before the trim");
    await m.init.waitFor(TRIMMED, 20_000);
    // Start touches tens of MiB of the executable; paged out, a few MiB stay mapped.
    assert.ok(fileBefore > 10, `file pages before: ${fileBefore} MiB`);
    assert.ok(pssMiB(pid1, "Pss_File") < fileBefore / 2, `Pss_File ${fileBefore} -> ${pssMiB(pid1, "Pss_File")} MiB`);

    // The code a restart runs faults back in, page by page; the process works on.
    const dir = `${m.root}/run/service/a`;
    for (let i = 0; i < 2; i++) {
      const old = await eventually(() => svPid(dir), 5000, "a up");
      assert.is(m.init.exec(["kill", "-KILL", String(old)]).status, 0);
      await eventually(() => svPid(dir) !== 0 && svPid(dir) !== old, 5000, `a restarted (was ${old})`);
    }
    const status = spawnSync(BIN, ["status", dir], { encoding: "utf8" });
    assert.is(status.status, 0, status.stderr);
    assert.match(status.stdout, /up/);
    assert.ok(pssMiB(pid1, "Pss_File") < fileBefore / 2, `Pss_File after restarts: ${pssMiB(pid1, "Pss_File")} MiB (before the trim ${fileBefore})`);
  } finally {
    await endBooted(m);
  }
});

test("tsinit scan trims too: 10 services under 20 MiB of PSS once the start has settled", async () => {
  const tree: Record<string, string> = {};
  for (let i = 0; i < 10; i++) tree[`s${i}/run`] = sh("exec sleep 1000");
  const m = await bootScan(tree);
  try {
    await m.init.waitFor(TRIMMED, 20_000);
    const pss = pssMiB(m.init.hostPid(), "Pss");
    assert.ok(pss <= 20, `PSS after the trim: ${pss.toFixed(1)} MiB`);
    // Still supervising: a killed service comes back.
    const old = await eventually(() => svPid(`${m.root}/s0`), 5000, "s0 up");
    assert.is(m.init.exec(["kill", "-KILL", String(old)]).status, 0);
    await eventually(() => svPid(`${m.root}/s0`) !== 0 && svPid(`${m.root}/s0`) !== old, 5000, "s0 restarted");
  } finally {
    await endBooted(m);
  }
});

test("a shutdown disarms the trim: no memory given back while services stop", async () => {
  const m = await bootInit(
    {
      "service/quick/run": sh("exec sleep 1000"),
      // Slow to stop: the shutdown lasts past the trim's settle time after quick's death.
      "service/slow/run": sh("trap 'sleep 2.5; exit 0' TERM\nsleep 1000 &\nwait"),
    },
    { grace: 6000 },
  );
  try {
    await eventually(() => svPid(`${m.root}/run/service/slow`), 5000, "slow up");
    // Before the trim's settle time (1 s after the last death) has passed.
    process.kill(m.init.hostPid(), "SIGUSR1");
    assert.is(await m.init.exited, 130, m.init.output());
    assert.match(m.init.output(), /shutdown: stopped services \((2\d{3}|[3-5]\d{3})(\.\d)? ms\)/, "the stop took slow's 2.5 s");
    // (On a slow machine the trim may have run before the request: only what follows it counts.)
    const afterRequest = m.init.output().split("shutdown: poweroff requested")[1] ?? "";
    assert.not.match(afterRequest, /gave back start-up memory/, m.init.output());
  } finally {
    await endBooted(m);
  }
});

/** Boots the init with TSINIT_TRIM=levers; its Pss_Anon in MiB once the trim is done, read from outside. */
async function anonAfterTrim(levers: string): Promise<number> {
  const saved = process.env.TSINIT_TRIM;
  process.env.TSINIT_TRIM = levers;
  try {
    // dock0's shape in small: what stage 1 runs (tasks, dependencies, a log/) is what is flushed.
    const m = await bootInit({
      "service/a/run": sh("exec sleep 1000"),
      "service/b/run": sh("exec sleep 1000"),
      "service/b/dependencies": "a\n",
      "service/c/run": sh("exec sleep 1000"),
      "service/c/log/": null,
      "task/t1": sh("exit 0"),
      "task/t2": sh("exit 0"),
      "env/PATH": "/usr/bin:/bin\n",
    });
    try {
      await m.init.waitFor(TRIMMED, 20_000);
      return pssMiB(m.init.hostPid(), "Pss_Anon");
    } finally {
      await endBooted(m);
    }
  } finally {
    if (saved === undefined) delete process.env.TSINIT_TRIM;
    else process.env.TSINIT_TRIM = saved;
  }
}

test("flush: the bytecode only start-up ran leaves the heap (more anon given back than one last-resort GC)", async () => {
  const gc = await anonAfterTrim("v8");
  const flushed = await anonAfterTrim("v8,flush");
  // One last-resort GC already drops the compilation cache (anon 9.1 -> 7.9-8.0 MiB);
  // the flush's GCs age out start-up's bytecode too (7.7, every boot measured):
  // at least two of the line's 0.1 MiB steps.
  assert.ok(gc - flushed > 0.15, `anon after the trim: v8 ${gc} MiB, v8,flush ${flushed} MiB`);
});

test("the bundle is Latin-1: one wider character makes V8 hold its whole source at two bytes a character", () => {
  const bundle = readFileSync("dist/main.js", "utf8");
  const wide = bundle.match(/[^\x00-\xff]/);
  assert.not.ok(wide, `non-Latin-1 character at ${wide?.index}: ${JSON.stringify(bundle.slice((wide?.index ?? 0) - 40, (wide?.index ?? 0) + 5))}`);
});

test.run();
