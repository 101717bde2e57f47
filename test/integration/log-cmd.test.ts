// `tsinit log` against a machine booted by the real binary: the built-in
// logger's ISO lines, an s6-log dir's TAI64N lines and PID 1's catch-all,
// merged by time with each line's writer; -f follows across a rotation.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, endMachine, sh, svStatus } from "../helpers/machine";

const test = suite("tsinit log");
const UTC_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([^:]+): (.*)$/;

test("two services and the catch-all, two stamp formats, merged by time with their names", async () => {
  const m = await bootInit({
    "service/web/run": sh("exec 2>&1; echo web-a; sleep 0.6; echo web-c; exec sleep 1000"),
    "service/web/log/": null,
    "service/db/run": sh("exec 2>&1; sleep 0.3; echo db-b; exec sleep 1000"),
    "service/db/log/run": sh("exec s6-log t ./main"),
  });
  const env = { ...process.env, TSINIT_SCANDIR: `${m.root}/run/service` };
  const log = (...args: string[]) => {
    const r = require("node:child_process").spawnSync(BIN, ["log", ...args], { encoding: "utf8", env, cwd: "/" });
    return { out: r.stdout as string, err: r.stderr as string, status: r.status as number };
  };
  try {
    await eventually(() => log("web").out.includes("web-c") && log("db").out.includes("db-b"), 10_000, "web-c and db-b logged");
    const all = log("--utc");
    assert.is(all.status, 0, all.err);
    const lines = all.out.trimEnd().split("\n").map((l) => UTC_LINE.exec(l));
    assert.ok(lines.every(Boolean), all.out);
    const times = lines.map((x) => Date.parse(x![1]!));
    assert.equal(times, [...times].sort((a, b) => a - b), "in time order");
    const ours = lines.filter((x) => /^(web|db)$/.test(x![2]!)).map((x) => `${x![2]}: ${x![3]}`);
    assert.equal(ours, ["web: web-a", "db: db-b", "web: web-c"]);
    assert.ok(lines.some((x) => x![2] === "tsinit" && /boot: done/.test(x![3]!)), "PID 1's own lines, labelled tsinit");
    // The s6-log dir really holds TAI64N stamps, the built-in logger's ISO ones.
    assert.match(require("node:fs").readFileSync(`${m.root}/run/service/db/log/main/current`, "utf8"), /^@[0-9a-f]{24} db-b$/m);
    // -n: the last N of the merge; a bare name; local time by default.
    const two = log("-n", "2", "web", "db");
    assert.match(two.out, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} db: db-b\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} web: web-c\n$/);
    const json = log("--json", "db").out.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(json.map((j) => [j.service, j.text]), [["db", "db-b"]]);
    assert.is(log("--since", "1d", "db").out.includes("db-b"), true);
    assert.is(log("--since", "2999-01-01T00:00:00Z", "db").out, "");
    assert.is(log("--since", "soon").status, 100);
  } finally {
    await endMachine(m);
  }
});

test("-f follows across a rotation: every line once, in order, no polling", async () => {
  const m = await bootInit({
    // Lines come from a fifo the test writes; 4096 bytes per file force rotations.
    "service/web/run": sh("mkfifo feed 2>/dev/null; exec 2>&1; echo started; while :; do cat feed; done"),
    "service/web/log/max-size": "4096\n",
  });
  const live = `${m.root}/run/service/web`;
  const logDir = `${m.root}/run/log/web`;
  const follower = spawn(BIN, ["log", "-f", "--utc", "web"], { env: { ...process.env, TSINIT_SCANDIR: `${m.root}/run/service` }, cwd: "/" });
  let out = "";
  follower.stdout.on("data", (d) => (out += d));
  follower.stderr.on("data", (d) => (out += d));
  try {
    await eventually(() => svStatus(live)?.pid && out.includes("web: started"), 10_000, "follower shows started");
    const body = Array.from({ length: 120 }, (_, i) => `line-${String(i).padStart(3, "0")} ${"x".repeat(90)}`);
    writeFileSync(`${live}/feed`, body.join("\n") + "\n");
    await eventually(() => out.includes("line-119"), 10_000, "all lines followed");
    const shown = out.split("\n").map((l) => / web: (line-\d+)/.exec(l)?.[1]).filter(Boolean);
    assert.equal(shown, body.map((b) => b.slice(0, 8)), "each line once, in order");
    assert.ok(readdirSync(logDir).filter((n) => /^@[0-9a-f]{24}\.s$/.test(n)).length >= 2, "rotated at least twice");
    // Idle means asleep in the kernel, not polling: the follower's state is S with no CPU growth.
    const stat = () => require("node:fs").readFileSync(`/proc/${follower.pid}/stat`, "utf8").split(" ");
    const cpu = (s: string[]) => Number(s[13]) + Number(s[14]);
    const before = cpu(stat());
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(cpu(stat()) - before <= 1, "no CPU while idle");
  } finally {
    follower.kill("SIGKILL");
    await endMachine(m);
  }
});

test.run();
