// Loggers under stress with the real PID 1: a log/run logger that dies
// (SIGKILL, by its own hand) every 4000 lines while its service writes
// continuously loses no line, thanks to the pipe PID 1 holds; the built-in
// logger on a full 1 MiB tmpfs drops and says so once, and PID 1 and the
// other services carry on.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import { alive, boot, end, figure, findProcs, makeRoot, sh, status } from "./booted";

const test = suite("faults: logs");
const LINES = 20_000;
const PAD = "0123456789abcdefghijklmnopqrstuvwxyz0123456789";

test("a logger that dies mid-stream: restarted, no line lost", async () => {
  const m = await boot({
    "service/w/run": sh(`printf x >> ROOT/w.starts; i=0; while [ $i -lt ${LINES} ]; do i=$((i+1)); echo "$i ${PAD}"; done; echo end; exec sleep 1000`),
    // sed -u reads one byte at a time, so it consumes exactly the 4000 lines it writes; then the logger dies.
    "service/w/log/run": sh("printf x >> ROOT/logger.starts; sed -u 4000q >> ROOT/log.txt; kill -KILL $$"),
  });
  try {
    const t0 = Date.now();
    const file = `${m.root}/log.txt`;
    await eventually(() => existsSync(file) && readFileSync(file, "utf8").endsWith("\nend\n"), 60_000, "the last line in the log");
    const lines = readFileSync(file, "utf8").trim().split("\n");
    const loggers = readFileSync(`${m.root}/logger.starts`, "utf8").length;
    figure(`logger death: ${LINES} lines through ${loggers} loggers (${loggers - 1} killed mid-stream) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(loggers >= 6, `${loggers} logger starts`);
    assert.is(readFileSync(`${m.root}/w.starts`, "utf8"), "x", "the service itself never restarted");
    assert.is(lines.length, LINES + 1, "line count");
    const bad = lines
      .slice(0, LINES)
      .map((l, i) => [i + 1, l] as const)
      .filter(([n, l]) => l !== `${n} ${PAD}`);
    assert.equal(bad.slice(0, 3), [], "the sequence has no gap");
  } finally {
    await end(m);
  }
});

test("a full disk under the built-in logger: drops reported once, PID 1 and the other services carry on", async () => {
  const root = makeRoot({
    // ~1 MB/s of lines in bursts: the 1 MiB tmpfs fills in about a second.
    "service/flood/run": sh(`while :; do seq 1 2000 | sed 's/$/ ${PAD}/'; sleep 0.1; done`),
    "service/flood/log/": null,
    "service/other/run": sh("exec sleep 1005"),
  });
  const rundir = `${root}/tiny`;
  mkdirSync(rundir);
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tiny", rundir], { encoding: "utf8" });
  assert.is(mount.status, 0, mount.stderr);
  let m: Awaited<ReturnType<typeof boot>> | undefined;
  try {
    m = await boot({}, { root, rundir });
    const host = m.init.hostPid();
    const [first] = await eventually(
      () => {
        const p = findProcs(host, "sleep", "1005");
        return p.length ? p : null;
      },
      5000,
      "other up",
    );
    const df = () => spawnSync("df", ["-k", "--output=avail", rundir], { encoding: "utf8" }).stdout.split("\n")[1]!.trim();
    await eventually(() => df() === "0", 15_000, "the tmpfs to fill up");
    const full = Date.now();
    await m.init.waitFor(/tsinit: .*flood.*ENOSPC/, 5000);
    // Killed on a full disk: restarted all the same (its status file may not be writable).
    process.kill(first!, "SIGKILL");
    const [second] = await eventually(
      () => {
        const p = findProcs(host, "sleep", "1005").filter((p) => p !== first);
        return p.length ? p : null;
      },
      5000,
      "other restarted",
    );
    await sleep(Math.max(0, 4000 - (Date.now() - full)));
    const out = m.init.output();
    const reports = out.match(/tsinit: [^\n]*flood[^\n]*ENOSPC[^\n]*/g) ?? [];
    if (process.env.TSINIT_TEST_VERBOSE) process.stderr.write(out);
    figure(`full disk: ${reports.length} report(s) in ${((Date.now() - full) / 1000).toFixed(1)} s of a full 1 MiB tmpfs: ${reports[0]}`);
    assert.is(reports.length, 1, "the drop is said once");
    assert.ok(alive(host), "PID 1 still running");
    assert.ok(alive(second!), "the other service still running");
    assert.not.match(out, /shutdown:|uncaught|unhandled/i, "no crash, no shutdown");
    assert.ok(status(m.svc("flood"))?.wantUp, "flood still wanted up");
    // Still supervising: the other service answers s6-svc.
    const r = m.init.exec(["s6-svc", "-wd", "-T", "5000", "-d", m.svc("other")]);
    assert.is(r.status, 0, r.stderr);
    assert.ok(!alive(second!), "other stopped on request");
  } finally {
    if (m) await m.init.kill();
    spawnSync("umount", ["-l", rundir]);
    spawnSync("rm", ["-rf", root]);
  }
});

test.run();
