// Logging of PID 1, with the real binary: the catch-all log takes what
// children without a logger (and their orphans) write; the built-in logger
// of a service with log/ but no log/run takes a 1 GB flood with PID 1's
// memory bounded.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import { bootInit as boot, endBooted as end, sh } from "../helpers/booted";

const test = suite("init-log");
function rssKiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : 0;
}

test("the catch-all log takes an orphan's output, a task's, and PID 1's own lines", async () => {
  const m = await boot({
    // run starts a background child and exits: the child is re-parented to PID 1 and still writes.
    "service/parent/run": sh("( sleep 0.3; echo 'orphan says hi'; echo 'orphan on stderr' >&2 ) & exec sleep 1000"),
    "service/once/run": sh("( sleep 0.3; echo 'grandchild of a dead run' ) & exit 0"),
    "task/t/run": sh("echo 'task output line'"),
  });
  try {
    const file = `${m.root}/run/log/catch-all/current`;
    await eventually(
      () => existsSync(file) && /orphan on stderr/.test(readFileSync(file, "utf8")) && /grandchild of a dead run/.test(readFileSync(file, "utf8")),
      5000,
      "orphan lines in the catch-all file",
    );
    const text = readFileSync(file, "utf8");
    // The orphans still write into their service's own pipe: labelled with it (issue 16).
    assert.match(text, /^\d{4}-\d\d-\d\dT[\d:.]+Z parent: orphan says hi$/m, "stamped lines");
    assert.match(text, /^\S+Z once: grandchild of a dead run$/m);
    assert.match(text, /^\S+Z task t: task output line$/m, "a task's line, labelled as a task's (issue 21)");
    assert.match(text, /tsinit: boot: done in/, "PID 1's own lines are there too");
    assert.match(m.init.output(), /orphan says hi/, "and on the console");
  } finally {
    await end(m);
  }
});

test("a 1 GB flood through the built-in logger: files rotate, PID 1's memory stays bounded", async () => {
  const line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-flood";
  const m = await boot({
    // 13.4 M whole lines of 80 bytes: 1 GiB.
    "service/flood/run": sh(`yes ${line} | head -n 13421773; echo flood-done; exec sleep 1000`),
    "service/flood/log/max-size": "4194304\n",
    "service/flood/log/max-files": "3\n",
    "service/quiet/run": sh("exec sleep 1000"),
  });
  try {
    const host = m.init.hostPid();
    await sleep(300);
    const base = rssKiB(host);
    let peak = base;
    const dir = `${m.root}/run/log/flood`;
    let maxFiles = 0;
    await eventually(
      () => {
        peak = Math.max(peak, rssKiB(host));
        if (existsSync(dir)) maxFiles = Math.max(maxFiles, readdirSync(dir).length);
        return existsSync(`${dir}/current`) && readFileSync(`${dir}/current`, "utf8").includes("flood-done");
      },
      120_000,
      "the flood to end",
    );
    const growthMiB = (peak - base) / 1024;
    assert.ok(growthMiB < 64, `PID 1 grew ${growthMiB.toFixed(1)} MiB (RSS ${base} → ${peak} KiB)`);
    assert.ok(maxFiles <= 4, `${maxFiles} files: 3 archives + current at most`);
    for (const f of readdirSync(dir)) assert.ok(statSync(`${dir}/${f}`).size <= 4194304, `${f} within max-size`);
    assert.ok(
      readdirSync(dir).some((f) => /^@[0-9a-f]{24}\.s$/.test(f)),
      "rotated archives",
    );
    const last = readFileSync(`${dir}/current`, "utf8").trim().split("\n");
    const whole = new RegExp(`^\\d{4}-\\S+Z (${line}|flood-done|tsinit: dropped .*)$`);
    const bad = last.filter((l) => !whole.test(l));
    assert.equal(bad.slice(0, 3), [], "whole stamped lines only");
    process.stderr.write(`    flood: PID 1 RSS ${(base / 1024).toFixed(1)} → peak ${(peak / 1024).toFixed(1)} MiB\n`);
  } finally {
    await end(m);
  }
});

test.run();
