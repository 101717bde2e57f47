// Bad input a service directory or a control fifo may hold, with the real
// PID 1: each is reported in a few lines, once, with the real errno, and the
// bytes cost little. A 1 MB `dependencies` file of missing names, invalid
// config values on a service that restarts, a `run` that is a symlink loop,
// and 1 MB of random bytes poured into supervise/control.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { BIN, eventually, sleep } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { boot, end, sh, status } from "./booted";

const test = suite("faults: bad input");
const lines = (out: string, re: RegExp) => out.split("\n").filter((l) => re.test(l));

test("a 1 MB dependencies file of missing names: a few warnings and a short status line", async () => {
  const names = Array.from({ length: 33_000 }, (_, i) => `missing-service-${String(i).padStart(6, "0")}`);
  const m = await boot({ "service/a/run": sh("exec sleep 1020"), "service/a/dependencies": names.join("\n") + "\n" });
  try {
    await eventually(() => m.init.output().includes("dependency problems"), 10_000, "the count line");
    await sleep(300);
    const warned = lines(m.init.output(), /depends on missing-service-/);
    assert.ok(warned.length <= 5, `${warned.length} warning lines`);
    assert.match(m.init.output(), /warning: and \d+ more dependency problems/);
    // One service's story: its state line, and a dependencies line kept short.
    const r = m.init.exec([BIN, "status", m.svc("a")]);
    assert.match(r.stdout, /^\s*state: waiting$/m, r.stdout.slice(0, 400));
    const row = r.stdout.split("\n").find((l) => /^\s*depends on: /.test(l)) ?? "";
    assert.ok(row.length > 0 && row.length < 1200, `dependencies line of ${row.length} chars: ${row.slice(0, 200)}`);
    assert.match(row, /missing-service-000000 \(missing\), .* and \d+ more; waits for missing-service-000000, .* and \d+ more/, row.slice(0, 600));
  } finally {
    await end(m);
  }
});

test("an invalid down-signal and rlimit: one warning each, not one per start", async () => {
  const m = await boot({
    "service/a/run": sh("printf x >> ROOT/starts; sleep 0.2; exit 1"),
    "service/a/down-signal": "SIGFOO\n",
    "service/a/rlimits/bogus": "1\n",
  });
  try {
    // s6's throttle restarts it once a second: wait for three starts.
    await eventually(() => (spawnSync("cat", [`${m.root}/starts`], { encoding: "utf8" }).stdout ?? "").length >= 3, 10_000, "three starts");
    const out = m.init.output();
    assert.is(lines(out, /invalid .*down-signal/).length, 1, "down-signal warnings");
    assert.is(lines(out, /ignoring .*rlimits\/bogus/).length, 1, "rlimits warnings");
  } finally {
    await end(m);
  }
});

test("a run that is a symlink loop is ELOOP in the log and in status, supervised or not", async () => {
  const m = await boot({ "service/a/run": { symlink: "run2" }, "service/a/run2": { symlink: "run" } });
  const loose = tempTree({ "b/run": { symlink: "run" } });
  try {
    // Not supervised at all: still a service dir (it was read as an empty scan dir), with the reason.
    const s = spawnSync(BIN, ["status", `${loose}/b`], { encoding: "utf8" });
    assert.match(s.stdout, /state: not supervised\n[\s\S]*problem: run: ELOOP/, `${s.stdout}${s.stderr}`);
    assert.is(s.status, 1);
    // Supervised: the retry line says it could not stat run (not "find"), and status says why it is down.
    await m.init.waitFor(/unable to stat \S*\/a\/run: [^\n]*\(ELOOP\)/, 10_000);
    assert.not.match(m.init.output(), /unable to find \S*\/a\/run/);
    // Its story says why it is down, and no exit code it never had.
    const r = m.init.exec([BIN, "status", m.svc("a")]);
    assert.match(r.stdout, /start failed: unable to stat \S*\/a\/run: [^\n]*\(ELOOP\)/, r.stdout);
    assert.match(r.stdout, /last exit: none/, r.stdout);
    assert.match(r.stdout, /problem: run: ELOOP/, r.stdout);
  } finally {
    await end(m);
    removeTree(loose);
  }
});

test("1 MB of random bytes into supervise/control: cheap, a few warning lines, the supervisor still answers", async () => {
  const m = await boot({ "service/a/run": sh("exec sleep 1021") });
  try {
    const fifo = `${m.svc("a")}/supervise/control`;
    await eventually(() => status(m.svc("a"))?.pid, 10_000, "a up");
    const before = m.init.output().length;
    const t0 = Date.now();
    // Random bytes, ~8% of them letters (u, d, k, p, …) that the machine runs; without x,
    // which would end the supervisor (s6 does the same).
    const w = spawnSync("sh", ["-c", `head -c 1048576 /dev/urandom | tr -d x > ${fifo}`], { encoding: "utf8", timeout: 60_000 });
    const ms = Date.now() - t0;
    assert.is(w.status, 0, w.stderr);
    await sleep(1500); // the one-a-second count line
    const warned = lines(m.init.output().slice(before), /supervise\/control/);
    if (process.env.TSINIT_TEST_VERBOSE) process.stderr.write(`junk: ${ms} ms, ${warned.length} lines\n`);
    // Before: 10-15 s here (a status write and an event per letter) and one ~15 KB line per 4 KiB read.
    assert.ok(ms < 5000, `the supervisor took ${ms} ms to drain 1 MB`);
    assert.ok(warned.length >= 1 && warned.length <= 4, `${warned.length} warning lines:\n${warned.slice(0, 5).join("\n").slice(0, 2000)}`);
    assert.ok(
      warned.every((l) => l.length < 300),
      "short lines",
    );
    assert.match(warned.join("\n"), /ignored \d+ more unknown bytes/);
    // Whatever the letters left it in, it obeys: continue and up, then down.
    assert.is(m.init.exec(["s6-svc", "-wu", "-T", "5000", "-cu", m.svc("a")]).status, 0, "a comes up");
    assert.is(m.init.exec(["s6-svc", "-wd", "-T", "5000", "-d", m.svc("a")]).status, 0, "a goes down");
  } finally {
    await end(m);
  }
});

test("1 MB of random bytes into .s6-svscan/control: a few warning lines, supervision goes on", async () => {
  const m = await boot({ "service/a/run": sh("exec sleep 1022") });
  try {
    await eventually(() => status(m.svc("a"))?.pid, 10_000, "a up");
    const fifo = `${m.svc("")}.s6-svscan/control`;
    const before = m.init.output().length;
    // Without b, i, q and t, which end supervision (as under s6-svscan); a, h, n, N rescan.
    const w = spawnSync("sh", ["-c", `head -c 1048576 /dev/urandom | tr -d biqt > ${fifo}`], { encoding: "utf8", timeout: 60_000 });
    assert.is(w.status, 0, w.stderr);
    await sleep(1500); // the one-a-second count line
    const warned = lines(m.init.output().slice(before), /s6-svscan\/control/);
    // Before: one line per 4 KiB read listing every unknown byte (~250 lines of ~15 KB).
    assert.ok(warned.length >= 1 && warned.length <= 4, `${warned.length} warning lines:\n${warned.slice(0, 5).join("\n").slice(0, 2000)}`);
    assert.ok(
      warned.every((l) => l.length < 300),
      "short lines",
    );
    assert.is(m.init.exec(["s6-svc", "-wd", "-T", "5000", "-d", m.svc("a")]).status, 0, "a still supervised: goes down");
  } finally {
    await end(m);
  }
});

test.run();
